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
            // Confirms what this node now holds, not what it was sent: a snapshot older than one held here (of a newer
            // incarnation) is not kept, and must not release a grant as if it were.
            var held = applier.Apply(replicate.Snapshot, Sender);
            Sender.Tell(new SnapshotReplicated(held.Incarnation, held.Sequence));
        });
    }
}
