using Akka.Actor;
using Router.Actors.Hosting;
using Router.Messages.Admin;

namespace Router.Actors.Directory;

/// <summary>
/// One per node, at <c>/user/llm-endpoint-directory</c> (the <see cref="EndpointDirectory"/> registry key): the node's
/// one address for directory requests, so callers need not know who answers them. Management commands go on to the
/// registry singleton (through its proxy), group-state reads to this node's <see cref="GroupStateReaderActor"/>; both
/// are forwarded, so the answer goes straight to the asker.
/// </summary>
internal sealed class DirectoryFrontActor : ReceiveActor
{
    public DirectoryFrontActor(IActorRef registry, IActorRef groupStateReader)
    {
        Receive<IManagementCommand>(command => registry.Forward(command));
        Receive<GetGroupState>(query => groupStateReader.Forward(query));
    }
}
