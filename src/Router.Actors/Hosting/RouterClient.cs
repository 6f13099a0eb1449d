using Akka.Actor;
using Akka.Cluster;
using Router.Messages.Routing;

namespace Router.Actors.Hosting;

/// <summary>
/// The way to route from code: the gateway uses it, and so does another Akka service that joined the
/// cluster. <see cref="RouteAsync"/> asks a router pool (this node's when it is a gateway, otherwise the
/// gateways' in turn) and remembers the lease; <see cref="Report"/> releases it at the endpoint's actor.
/// Remembering held leases lets this node re-assert them when an endpoint's shard moves.
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
    private int _next;

    /// <param name="localRouter">This node's router pool, when it is a gateway: asked directly.</param>
    public RouterClient(ActorSystem system, IActorRef endpointRegion, IActorRef? localRouter = null)
    {
        _system = system;
        _endpointRegion = endpointRegion;
        _localRouter = localRouter;
        _cluster = Cluster.Get(system);
        _runtime = RouterRuntime.Get(system);
    }

    public async Task<IRouteResponse> RouteAsync(RouteRequest request, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var answer = _localRouter is not null
            ? await _localRouter.Ask<IRouteResponse>(request, timeout, cancellationToken)
            : await PickGateway().Ask<IRouteResponse>(request, timeout, cancellationToken);
        if (answer is LeaseGranted granted) _runtime.Leases.Add(granted.Lease);
        return answer;
    }

    public void Report(ReportOutcome outcome)
    {
        _runtime.Leases.Remove(outcome.LeaseId);
        _endpointRegion.Tell(outcome);
    }

    private ActorSelection PickGateway()
    {
        var gateways = _cluster.State.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(RouterClusterOptions.GatewayRole))
            .Select(m => m.Address)
            .ToList();
        if (gateways.Count == 0)
            throw new InvalidOperationException(
                $"No gateway node (role '{RouterClusterOptions.GatewayRole}') is up in the cluster; has this node joined it?");
        var address = gateways.Contains(_cluster.SelfAddress)
            ? _cluster.SelfAddress
            : gateways[(int)((uint)Interlocked.Increment(ref _next) % (uint)gateways.Count)];
        return _system.ActorSelection(new RootActorPath(address) / "user" / RouterHostingExtensions.RouterActorName);
    }
}
