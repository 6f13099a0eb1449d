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
internal sealed class RouteReply(ActorPath path, IActorRefProvider provider, Action<LeaseGranted> unclaimed) : MinimalActorRef
{
    /// <summary>What the answer is set to when the caller stops waiting first: a later answer finds the reply taken.</summary>
    public static readonly IRouteResponse GaveUp = new NoEndpointAvailable("", NoEndpointReason.Timeout, "The caller gave up.", null);

    private readonly TaskCompletionSource<IRouteResponse> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<IRouteResponse> Answer => _answer.Task;

    public override ActorPath Path => path;

    public override IActorRefProvider Provider => provider;

    protected override void TellInternal(object message, IActorRef sender)
    {
        if (message is not IRouteResponse response || _answer.TrySetResult(response)) return;
        if (response is LeaseGranted late) unclaimed(late);
    }

    /// <summary>
    /// The caller's wait ended (its time limit or its cancellation): <see cref="Answer"/> becomes <see cref="GaveUp"/>
    /// unless an answer came first, which the caller then takes; a grant that comes later is released.
    /// </summary>
    public void GiveUp() => _answer.TrySetResult(GaveUp);
}
