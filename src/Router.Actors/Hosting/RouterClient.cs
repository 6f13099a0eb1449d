using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.Logging;
using Router.Actors.Leasing;
using Router.Actors.Membership;
using Router.Actors.Routing;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Hosting;

/// <summary>
/// The way to route from code: the gateway uses it, and so does another Akka service that joined the
/// cluster. <see cref="RouteAsync"/> asks a router pool (this node's when it is a gateway, otherwise the
/// gateways' in turn) and books the lease with this node's lease keeper, which renews it and revokes it
/// (<see cref="RevocationOf"/>) if it cannot; <see cref="Report"/> releases it at the endpoint's actor.
/// </summary>
/// <remarks>
/// Gateways are found from cluster membership, which every member already has, rather than from a
/// gossiped registry that a freshly joined service may not have received yet.
/// </remarks>
public sealed class RouterClient
{
    private readonly ActorSystem _system;
    private readonly IActorRef _endpointRegion;
    private readonly IActorRef? _localRouter;
    private readonly Cluster _cluster;
    private readonly RouterRuntime _runtime;
    private readonly string _holder;
    private readonly IActorRefProvider _provider;
    // The path every local reply shares (see RouteReply).
    private readonly ActorPath _replyPath;
    // One delegate for every reply: a method group converted per decision would be a new one each time.
    private readonly Action<LeaseGranted> _releaseUnclaimed;
    private readonly ILogger _log;
    private int _next;

    /// <param name="runtime">The node's runtime (the one its actor system was composed with).</param>
    /// <param name="localRouter">This node's router pool, when it is a gateway: asked directly.</param>
    /// <remarks>With dependency injection, <see cref="RouterServiceCollectionExtensions.AddRouterClient"/> builds it.</remarks>
    public RouterClient(ActorSystem system, RouterRuntime runtime, IActorRef endpointRegion, IActorRef? localRouter = null)
    {
        _system = system;
        _endpointRegion = endpointRegion;
        _localRouter = localRouter;
        _cluster = Cluster.Get(system);
        _runtime = runtime;
        _holder = HolderId.Of(_cluster.SelfUniqueAddress);
        _provider = ((ExtendedActorSystem)system).Provider;
        _replyPath = _provider.TempPath();
        _releaseUnclaimed = ReleaseUnclaimed;
        _log = ActorLoggers.For(system, typeof(RouterClient).FullName!);
    }

    /// <summary>This node's holder id (address#uid): a <see cref="RouteRequest"/> built with it is not copied to set it.</summary>
    public string Holder => _holder;

    /// <summary>
    /// Asks for a lease. Never throws for a slow or silent router (that is a <see cref="NoEndpointReason.Timeout"/>
    /// answer); a cancelled caller gets <see cref="OperationCanceledException"/>, and a grant that arrives after it
    /// left is released, never abandoned. Await the <see cref="ValueTask{TResult}"/> once: its state machine comes from a
    /// pool, where a task's was a new object of about 180 B per decision.
    /// </summary>
    public ValueTask<IRouteResponse> RouteAsync(RouteRequest request, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var askedAt = _runtime.Clock.GetTimestamp();
        // A request built with this node's holder (the gateway's are) is sent as it is, not copied.
        var message = string.Equals(request.Holder, _holder, StringComparison.Ordinal) ? request : request with { Holder = _holder };
        // Not awaited here: one state machine per decision, not two.
        return _localRouter is { } local
            ? RouteHereAsync(local, message, timeout, askedAt, cancellationToken)
            : RouteElsewhereAsync(message, timeout, askedAt, cancellationToken);
    }

    /// <summary>The same through a gateway node's router pool, by an ask (this node runs none).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<IRouteResponse> RouteElsewhereAsync(RouteRequest request, TimeSpan timeout, long askedAt, CancellationToken cancellationToken)
    {
        var startedAt = askedAt;
        while (true)
        {
            var left = timeout - _runtime.Clock.GetElapsedTime(startedAt);
            if (left <= TimeSpan.Zero) return TimedOut(request, timeout, startedAt);
            var ask = PickGateway().Ask<IRouteResponse>(request, left);
            IRouteResponse answer;
            try
            {
                answer = await ask.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                _ = ReleaseWhenGranted(ask);
                throw;
            }
            catch (AskTimeoutException)
            {
                // A grant arriving after this lands in dead letters, where LateGrantReleaser gives it back.
                return TimedOut(request, timeout, startedAt);
            }
            if (answer is LeaseGranted granted && !Booked(granted, askedAt))
            {
                askedAt = _runtime.Clock.GetTimestamp(); // the successor is asked, through a gateway's router again
                continue;
            }
            return Decided(request, answer, startedAt);
        }
    }

    /// <summary>
    /// Books a grant a gateway's router made for this node, as the router books its own node's (<c>RouterActor.Grant</c>):
    /// false, and given back, when the endpoint's successor asked this node what it holds after the grant was asked for
    /// (<see cref="LeaseBook.BookUnlessMissed"/>). The successor does not count it, so it must not run.
    /// </summary>
    private bool Booked(LeaseGranted granted, long askedAt)
    {
        var lease = granted.Lease;
        if (_runtime.Leases.BookUnlessMissed(lease, granted.Incarnation, askedAt)) return true;
        _runtime.LocalEndpoints.Of(lease.EndpointId, _endpointRegion).Tell(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.NotUsed));
        RoutingLog.LateGrantGivenBack(_log, lease.EndpointId, granted.Incarnation);
        return false;
    }

    /// <summary>The same with this node's router pool, answered to a <see cref="RouteReply"/> rather than an ask.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<IRouteResponse> RouteHereAsync(IActorRef router, RouteRequest request, TimeSpan timeout, long askedAt,
        CancellationToken cancellationToken)
    {
        var reply = new RouteReply(_replyPath, _provider, _releaseUnclaimed);
        // The time limit and the caller's cancellation end the wait through one pooled source: no timer, promise or
        // linked source per decision.
        using var limit = PooledTimeouts.Rent(cancellationToken);
        limit.Source.CancelAfter(timeout);
        IRouteResponse answer;
        using (limit.Source.Token.UnsafeRegister(static r => ((RouteReply)r!).GiveUp(), reply))
        {
            router.Tell(request, reply);
            answer = await reply.Answer;
        }
        // A grant is in this node's book already: its router booked it before answering (RouterActor.Grant). Booking it
        // again here could bring back a lease the keeper revoked in between.
        if (!ReferenceEquals(answer, RouteReply.GaveUp)) return Decided(request, answer, askedAt);
        cancellationToken.ThrowIfCancellationRequested();
        return TimedOut(request, timeout, askedAt);
    }

    private IRouteResponse Decided(RouteRequest request, IRouteResponse answer, long askedAt)
    {
        _runtime.Metrics.RoutingDecided(request.ModelGroup, answer, _runtime.Clock.GetElapsedTime(askedAt));
        return answer;
    }

    private IRouteResponse TimedOut(RouteRequest request, TimeSpan timeout, long askedAt) =>
        Decided(request, new NoEndpointAvailable(request.ModelGroup, NoEndpointReason.Timeout,
            $"The router did not answer within {timeout.TotalSeconds:0.#} s.", TimeSpan.FromSeconds(1)), askedAt);

    /// <summary>A grant nobody took (its caller had given up): released, and out of this node's book.</summary>
    private void ReleaseUnclaimed(LeaseGranted late) => Report(new ReportOutcome(late.Lease.EndpointId, late.Lease.LeaseId, OutcomeKind.NotUsed));

    /// <summary>
    /// Cancelled when this node's lease keeper revokes the lease (it could not renew it in time, or the endpoint no
    /// longer counts it): stop using the endpoint at once, its slot may be given to someone else.
    /// </summary>
    public CancellationToken RevocationOf(Lease lease) => _runtime.Leases.RevocationOf(lease.LeaseId);

    /// <summary>
    /// The same, cancelling the caller's own <paramref name="source"/> (cheaper than linking to <see cref="RevocationOf"/>
    /// on the request path): cancelled now if the lease was already revoked. Dispose the watch before reusing the source.
    /// </summary>
    public RevocationWatch WatchRevocation(Lease lease, CancellationTokenSource source) => _runtime.Leases.Watch(lease.LeaseId, source);

    public void Report(ReportOutcome outcome)
    {
        var strict = _runtime.Directory.Current.Endpoints.TryGetValue(outcome.EndpointId, out var endpoint) &&
                     endpoint.Fencing == LeaseFencing.Strict;
        // Counted here at once: the endpoint's snapshot shows the release only after its next publish.
        _runtime.Snapshots.Slot(outcome.EndpointId).ReleasedHere();
        var spareUntil = _runtime.Leases.SpareExpiry(outcome.LeaseId);
        if (spareUntil is null)
        {
            _runtime.Leases.Remove(outcome, resend: strict);
            Release(outcome);
            return;
        }
        // A spare lease: kept for this node's next request unless its endpoint recalled it; the release goes first, so
        // the endpoint sees this use end before the next one begins. Its use was told in the batch, so its end is too.
        var kept = _runtime.Leases.Remove(outcome, resend: false, keepSpare: _runtime.Spares.Keeps(outcome.EndpointId));
        Release(kept ? outcome with { KeepAsSpare = true } : outcome, usedSpare: true);
        if (kept) _runtime.Spares.PutBack(outcome.EndpointId, outcome.LeaseId, spareUntil.Value);
        else _runtime.Spares.Retired(outcome.EndpointId);
    }

    /// <summary>
    /// To the endpoint's actor, with this node's other activity for its node when that is another one: in the same order
    /// as a grant this node made itself, which travels the same way (<see cref="Routing.LocalGrants"/>). A lease a capped
    /// endpoint of a least-busy group granted when asked is told at once: it decides the next grant on its exact count.
    /// </summary>
    private void Release(ReportOutcome outcome, bool usedSpare = false)
    {
        if (usedSpare ? _runtime.Activity.Batches(outcome.EndpointId) : GrantedLocally(outcome.EndpointId)) _runtime.Activity.Ended(outcome);
        else _runtime.LocalEndpoints.Of(outcome.EndpointId, _endpointRegion).Tell(outcome);
    }

    private bool GrantedLocally(string endpointId)
    {
        if (!_runtime.Activity.Batches(endpointId)) return false;
        var directory = _runtime.Directory.Current;
        return !directory.Endpoints.TryGetValue(endpointId, out var endpoint) || endpoint.MaxInFlight is null ||
               !directory.Groups.TryGetValue(endpoint.ModelGroup, out var group) ||
               !_runtime.GroupStrategies.For(group, _runtime.Strategies).PrefersLeastInFlight;
    }

    private async Task ReleaseWhenGranted(Task<IRouteResponse> ask)
    {
        try
        {
            if (await ask is LeaseGranted { Lease: var lease })
                Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.NotUsed));
        }
        catch (AskTimeoutException)
        {
            // Dead letters own it from here.
        }
    }

    private ICanTell PickGateway()
    {
        var gateways = _cluster.State.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(RouterClusterSettings.GatewayRole))
            .Select(m => m.Address)
            .ToList();
        if (gateways.Count == 0)
            throw new InvalidOperationException(
                $"No gateway node (role '{RouterClusterSettings.GatewayRole}') is up in the cluster; has this node joined it?");
        var address = gateways.Contains(_cluster.SelfAddress)
            ? _cluster.SelfAddress
            : gateways[(int)((uint)Interlocked.Increment(ref _next) % (uint)gateways.Count)];
        return _system.ActorSelection(new RootActorPath(address) / "user" / RouterHostingExtensions.RouterActorName);
    }
}
