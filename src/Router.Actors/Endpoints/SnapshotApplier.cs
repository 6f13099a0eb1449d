using Akka.Actor;
using Router.Actors.Hosting;
using Router.Messages.Endpoints;

namespace Router.Actors.Endpoints;

/// <summary>
/// Applies a snapshot that reached this node (gossiped, replicated for a strict grant, or from an endpoint actor here)
/// to the node's <see cref="SnapshotCache"/>, and keeps what follows from it: where the endpoint's actor ran
/// (<see cref="RouterRuntime.SnapshotOrigins"/>) and that a new incarnation is no longer silent
/// (<see cref="RouterRuntime.SilentEndpoints"/>). Shared by <see cref="SnapshotGossipActor"/> and
/// <see cref="SnapshotReplicaActor"/>; one apply at a time, so the origin recorded is the newest snapshot's.
/// </summary>
internal sealed class SnapshotApplier(RouterRuntime runtime, Address self)
{
    private readonly Lock _gate = new();

    /// <param name="sender">Who delivered it: a remote actor names the node the endpoint's actor ran on, a local one this node.</param>
    /// <returns>The newest complete snapshot of the endpoint this node holds now: <paramref name="snapshot"/>, or a newer one.</returns>
    public EndpointSnapshot Apply(EndpointSnapshot snapshot, IActorRef sender)
    {
        lock (_gate)
        {
            var previous = runtime.Snapshots.LastPublished(snapshot.EndpointId).Incarnation;
            if (!runtime.Snapshots.Apply(snapshot)) return runtime.Snapshots.LastPublished(snapshot.EndpointId);
            // Where the newest snapshot came from, for admin answers about an endpoint whose actor does not answer.
            var origin = sender.Path.Address.HasGlobalScope ? sender.Path.Address : self;
            runtime.SnapshotOrigins.Record(snapshot.EndpointId, origin);
            // A new incarnation that publishes is alive: routers that gave up on the old one may try it at once.
            if (snapshot.Incarnation != previous) runtime.SilentEndpoints.ClearSilent(snapshot.EndpointId);
            return runtime.Snapshots.LastPublished(snapshot.EndpointId);
        }
    }
}
