using Router.Actors.Endpoints;
using Router.Actors.Leasing;
using Router.Messages.Endpoints;

namespace Router.Actors.Routing;

/// <summary>
/// The in-flight count a router ranks an endpoint on: its snapshot's count plus what this node knows that the snapshot
/// does not show yet (<see cref="Strategies.EndpointCandidate.Pending"/>).
/// </summary>
internal static class InFlightView
{
    /// <summary>
    /// What to add to <paramref name="snapshot"/>'s count so that it reads as this node's acquires in the air, plus its
    /// exact count of its requests on the endpoint, plus a share of the other nodes' part (see <see cref="OthersShare"/>).
    /// The snapshot's part for this node lags by a network trip for an endpoint on another node (releases on their way, a
    /// batch not yet sent) but hardly at all for one on this node: ranking on it leaned towards one side (this node's
    /// endpoints for least-busy, the others' for strategies that break ties on the count). Without any snapshot that
    /// says who holds what, this node's activity since the snapshot is added instead.
    /// </summary>
    public static int Pending(EndpointSlot slot, EndpointSnapshot snapshot, HeldCount heldHere, string selfHolder)
    {
        var own = heldHere.Value;
        return OthersPart(slot, snapshot, selfHolder) is var (others, otherHolders)
            ? slot.Pending + own + OthersShare(others, otherHolders) - snapshot.InFlight
            : slot.Pending + slot.OwnSinceSnapshot;
    }

    /// <summary>The same count with all of the other nodes' part: what the endpoint's actor itself counts, as near as
    /// this node knows it (a least-busy pick asked to grant only below it compares its own exact count with this).</summary>
    public static int Total(EndpointSlot slot, HeldCount heldHere, string selfHolder)
    {
        var (snapshot, own) = (slot.Snapshot, heldHere.Value);
        return OthersPart(slot, snapshot, selfHolder) is var (others, _)
            ? Math.Max(0, slot.Pending + own + others)
            : Math.Max(0, snapshot.InFlight + slot.Pending + slot.OwnSinceSnapshot);
    }

    /// <summary>
    /// The other nodes' requests on an endpoint, as this node ranks them: divided among the nodes that route to it, this
    /// one included. Every node sees the same snapshot (up to 200 ms old) and would, counting all of it, move its own
    /// requests to make up the whole difference it shows, all at once: together they overshoot, and three gateways put
    /// 18-21 of 24 clients' requests on one upstream. Each node making up its share of the difference leaves the sum
    /// near the difference; and since each node spreads its own requests exactly, the sum is even when the nodes' loads
    /// are alike, whatever the snapshots say.
    /// </summary>
    internal static int OthersShare(int othersInFlight, int otherHolders) =>
        otherHolders <= 0 ? Math.Max(0, othersInFlight) : (int)Math.Round(Math.Max(0, othersInFlight) / (otherHolders + 1.0));

    /// <summary>
    /// The other holders' leases and how many other holders there are. From <paramref name="snapshot"/> when it says who
    /// holds what; for a count an actor answered with (newer than any published snapshot, without holders), the part
    /// noted when it arrived (<see cref="EndpointSlot.OthersAnswered"/>), with the holders of the last published snapshot.
    /// </summary>
    private static (int Others, int OtherHolders)? OthersPart(EndpointSlot slot, EndpointSnapshot snapshot, string selfHolder)
    {
        if (slot.PartOf(snapshot, selfHolder) is var (part, otherHolders)) return (snapshot.InFlight - part, otherHolders);
        if (slot.OthersAnswered(snapshot) is not { } others) return null;
        var published = slot.LastPublished;
        var publishedHolders = published.Incarnation == snapshot.Incarnation && slot.PartOf(published, selfHolder) is var (_, holders) ? holders : 0;
        return (others, publishedHolders);
    }
}
