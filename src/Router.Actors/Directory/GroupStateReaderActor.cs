using Akka.Actor;
using Router.Actors.Hosting;
using Router.Messages.Admin;

namespace Router.Actors.Directory;

/// <summary>
/// One per node. Answers <see cref="GetGroupState"/> (an admin read): each endpoint's live state from its actor, or
/// (when that actor does not answer within the deadline) this node's last snapshot of it, marked. The answer always
/// comes, within the deadline, and one silent endpoint never fails the listing (<see cref="EndpointStateReader"/>).
/// </summary>
internal sealed class GroupStateReaderActor : ReceiveActor
{
    private readonly RouterRuntime _runtime;
    private readonly IActorRef _endpointRegion;

    public GroupStateReaderActor(RouterRuntime runtime, IActorRef endpointRegion)
    {
        _runtime = runtime;
        _endpointRegion = endpointRegion;
        Receive<GetGroupState>(HandleGroupState);
    }

    private void HandleGroupState(GetGroupState query)
    {
        var view = _runtime.Directory.Current;
        if (!view.Groups.ContainsKey(query.ModelGroup))
        {
            Sender.Tell(new GroupState([]));
            return;
        }
        var deadline = query.Deadline ?? _runtime.Options.AdminReadTimeout;
        var (runtime, system, region) = (_runtime, Context.System, _endpointRegion);
        var reads = view.EndpointsOf(query.ModelGroup).Select(e => EndpointStateReader.ReadAsync(runtime, system, region, e, deadline));
        Task.WhenAll(reads).PipeTo(Sender,
            success: states => new GroupState(states),
            failure: ex => new Status.Failure(ex));
    }
}
