using Akka.Actor;
using Akka.Cluster;
using Router.Actors.Hosting;
using Router.Messages.Admin;
using Router.Messages.Endpoints;

namespace Router.Actors.Directory;

/// <summary>
/// Reads an endpoint's state for an admin answer: live from its actor when it answers within the deadline, otherwise
/// this node's last pushed snapshot of it, marked <see cref="SnapshotFreshness.Stale"/> (its node is reachable but the
/// actor did not answer: busy, frozen, its shard moving) or <see cref="SnapshotFreshness.Unreachable"/> (its node is
/// unreachable from here or gone). Never throws for a timeout and never waits longer than the deadline, so one silent
/// endpoint cannot fail or hold up a listing. An endpoint whose last known node is already unreachable is not asked at
/// all: the answer could not arrive.
/// </summary>
public static class EndpointStateReader
{
    public static async Task<EndpointState> ReadAsync(RouterRuntime runtime, ActorSystem system, IActorRef region, EndpointDefinition definition, TimeSpan deadline)
    {
        var cluster = Cluster.Get(system);
        var home = runtime.LastKnownHome(definition.Id);
        if (home is null || !IsCutOff(cluster, home))
        {
            try
            {
                var live = await region.Ask<EndpointState>(new GetEndpointState(definition.Id), deadline);
                // Definitions from this node's view (what the asker sees), live state from the endpoint's own actor.
                return new EndpointState(definition, live.Snapshot, SnapshotFreshness.Live, live.Node);
            }
            catch (AskTimeoutException)
            {
                // Answered from the cache below.
            }
        }
        return Cached(runtime, cluster, definition, deadline);
    }

    /// <summary>This node's newest snapshot of the endpoint, marked with why its actor was not heard from.</summary>
    internal static EndpointState Cached(RouterRuntime runtime, Cluster cluster, EndpointDefinition definition, TimeSpan deadline)
    {
        var slot = runtime.Snapshots.Slot(definition.Id);
        // The slot is blanked when routers gave up on the actor; the last complete published snapshot is still known.
        var current = slot.Snapshot;
        var published = slot.LastPublished;
        var snapshot = published.Supersedes(current) ? published : current;
        var home = runtime.LastKnownHome(definition.Id);
        var known = snapshot.TakenAt != DateTimeOffset.MinValue;
        var what = known ? "its last snapshot is shown" : "no snapshot of it has reached this node";
        if (home is not null && IsCutOff(cluster, home))
        {
            var down = cluster.State.Members.Any(m => m.Address == home && m.Status == MemberStatus.Down);
            return new EndpointState(definition, snapshot, SnapshotFreshness.Unreachable, home.ToString(),
                $"its node {home} is {(down ? "down (being removed)" : "unreachable from this node")}; {what}");
        }
        var left = home is not null && home != cluster.SelfAddress && cluster.State.Members.All(m => m.Address != home);
        var where = home is null ? "" : left ? $" (its last node {home} has left; its shard is moving)" : $" (last heard from {home})";
        return new EndpointState(definition, snapshot, SnapshotFreshness.Stale, home?.ToString(),
            $"its actor did not answer within {deadline.TotalSeconds:0.#} s{where}; {what}");
    }

    /// <summary>A member this node cannot reach, or one marked down and not yet removed: its shards are still allocated to it.</summary>
    private static bool IsCutOff(Cluster cluster, Address home)
    {
        if (home == cluster.SelfAddress) return false;
        var state = cluster.State;
        return state.Members.Any(m => m.Address == home && m.Status == MemberStatus.Down) || state.Unreachable.Any(m => m.Address == home);
    }
}
