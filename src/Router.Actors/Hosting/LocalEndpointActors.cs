using System.Collections.Concurrent;
using Akka.Actor;

namespace Router.Actors.Hosting;

/// <summary>
/// The endpoint actors running on this node, by endpoint id. What this node tells one of them goes straight to its
/// mailbox instead of through the shard region and the shard: an acquire and its release each passed through both
/// (four extra mailbox hops per request), and every acquire on the node queued behind the one region actor.
/// </summary>
/// <remarks>
/// An actor registers itself as it starts and removes itself as it stops (a hand-off, a restart), so a stopped actor is
/// never handed out again; a message sent to it just before it stopped is sent on through the region by
/// <see cref="StrandedEndpointMessages"/>, as the region would have buffered it. Actors on other nodes are
/// always reached through the region (and lease activity batches).
/// </remarks>
public sealed class LocalEndpointActors
{
    private readonly ConcurrentDictionary<string, IActorRef> _actors = new(StringComparer.Ordinal);

    internal void Started(string endpointId, IActorRef actor) => _actors[endpointId] = actor;

    /// <summary>Only the actor that registered removes itself: a new incarnation may have registered already.</summary>
    internal void Stopped(string endpointId, IActorRef actor) => _actors.TryRemove(KeyValuePair.Create(endpointId, actor));

    /// <summary>The endpoint's actor when it runs on this node, else <paramref name="region"/> (which finds it anywhere).</summary>
    public IActorRef Of(string endpointId, IActorRef region) => _actors.TryGetValue(endpointId, out var actor) ? actor : region;
}
