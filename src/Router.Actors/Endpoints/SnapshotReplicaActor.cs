using Akka.Actor;
using Router.Actors.Hosting;
using Router.Messages.Endpoints;

namespace Router.Actors.Endpoints;

/// <summary>
/// One per gateway (and client node): holds a replica of a strict endpoint's snapshot before that endpoint gives a
/// grant. An <c>EndpointActor</c> on another node sends <see cref="ReplicateSnapshot"/> here by path
/// (<see cref="RouterHostingExtensions.SnapshotReplicaName"/>); this applies it to the node's cache and confirms with
/// <see cref="SnapshotReplicated"/>, naming the incarnation and sequence it now holds.
/// </summary>
internal sealed class SnapshotReplicaActor : ReceiveActor
{
    public SnapshotReplicaActor(SnapshotApplier applier)
    {
        Receive<ReplicateSnapshot>(replicate =>
        {
            applier.Apply(replicate.Snapshot, Sender);
            Sender.Tell(new SnapshotReplicated(replicate.Snapshot.Incarnation, replicate.Snapshot.Sequence));
        });
    }
}
