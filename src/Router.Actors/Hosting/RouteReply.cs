using System.Threading.Tasks.Sources;
using Akka.Actor;
using Router.Messages.Routing;

namespace Router.Actors.Hosting;

/// <summary>
/// Where this node's router pool answers one routing decision asked on this node: what Akka's ask would give, without
/// registering a temporary actor (a path, a dictionary entry and a scheduled timeout per request, about a kilobyte).
/// Only for a router on this node, which replies with a local tell. A grant that arrives after the caller gave up, or
/// that a caller never took, is handed to <paramref name="unclaimed"/> to be released, as dead letters are for an ask.
/// </summary>
/// <param name="path">Shared by every reply of one client: nothing looks it up, and a path per request is what it saves.</param>
internal sealed class RouteReply(ActorPath path, IActorRefProvider provider, Action<LeaseGranted> unclaimed)
    : MinimalActorRef, IValueTaskSource<IRouteResponse>
{
    /// <summary>What the answer is set to when the caller stops waiting first: a later answer finds the reply taken.</summary>
    public static readonly IRouteResponse GaveUp = new NoEndpointAvailable("", NoEndpointReason.Timeout, "The caller gave up.", null);

    // The reply is its own awaitable (no TaskCompletionSource and Task per decision); set once, by the first answer or GiveUp.
    private ManualResetValueTaskSourceCore<IRouteResponse> _answer = new() { RunContinuationsAsynchronously = true };
    private int _settled;

    /// <summary>The router's answer, or <see cref="GaveUp"/>; awaited once.</summary>
    public ValueTask<IRouteResponse> Answer => new(this, _answer.Version);

    public override ActorPath Path => path;

    public override IActorRefProvider Provider => provider;

    protected override void TellInternal(object message, IActorRef sender)
    {
        if (message is not IRouteResponse response || TrySettle(response)) return;
        if (response is LeaseGranted late) unclaimed(late);
    }

    /// <summary>
    /// The caller's wait ended (its time limit or its cancellation): <see cref="Answer"/> becomes <see cref="GaveUp"/>
    /// unless an answer came first, which the caller then takes; a grant that comes later is released.
    /// </summary>
    public void GiveUp() => TrySettle(GaveUp);

    private bool TrySettle(IRouteResponse response)
    {
        if (Interlocked.Exchange(ref _settled, 1) != 0) return false;
        _answer.SetResult(response);
        return true;
    }

    IRouteResponse IValueTaskSource<IRouteResponse>.GetResult(short token) => _answer.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<IRouteResponse>.GetStatus(short token) => _answer.GetStatus(token);

    void IValueTaskSource<IRouteResponse>.OnCompleted(Action<object?> continuation, object? state, short token,
        ValueTaskSourceOnCompletedFlags flags) => _answer.OnCompleted(continuation, state, token, flags);
}
