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
    /// exact count of its requests on the endpoint, plus a share of the other nodes' part (see <see cref="OthersShare"/>)
    /// from the latest published snapshot. The snapshot's part for this node lags by a network trip for an endpoint on
    /// another node (releases on their way, a batch not yet sent) but hardly at all for one on this node: ranking on it
    /// leaned towards one side (this node's endpoints for least-busy, the others' for strategies that break ties on the
    /// count). A count an actor answered with is not used for the other nodes' part here: only the endpoint picked gets
    /// one, so a low figure would be corrected for it alone and the endpoints this node asks (its own) would look busier
    /// than the rest. Without any snapshot that says who holds what, this node's activity since the snapshot is added.
    /// </summary>
    public static int Pending(EndpointSlot slot, EndpointSnapshot snapshot, HeldCount heldHere, string selfHolder) =>
        Pending(slot, snapshot, heldHere, selfHolder, OthersPublished(slot, snapshot, selfHolder));

    /// <summary>As <see cref="Pending(EndpointSlot, EndpointSnapshot, HeldCount, string)"/> for the count an actor has just
    /// answered with (a refusal for being busier): its other nodes' part is the freshest there is.</summary>
    public static int PendingAnswered(EndpointSlot slot, EndpointSnapshot answer, HeldCount heldHere, string selfHolder) =>
        Pending(slot, answer, heldHere, selfHolder, OthersAnswered(slot, answer, selfHolder) ?? OthersPublished(slot, answer, selfHolder));

    /// <summary>This node's exact count plus all of the other nodes' part, the freshest known: what the endpoint's actor
    /// itself counts, as near as this node knows it (a capped least-busy pick, asked to grant only below the least busy
    /// alternative's count, compares its own exact count with this).</summary>
    public static int Total(EndpointSlot slot, HeldCount heldHere, string selfHolder)
    {
        var snapshot = slot.Snapshot;
        return (OthersAnswered(slot, snapshot, selfHolder) ?? OthersPublished(slot, snapshot, selfHolder)) is var (others, _)
            ? Math.Max(0, slot.Pending + heldHere.Value + others)
            : Math.Max(0, snapshot.InFlight + slot.Pending + slot.OwnSinceSnapshot);
    }

    private static int Pending(EndpointSlot slot, EndpointSnapshot snapshot, HeldCount heldHere, string selfHolder, (int Others, int OtherHolders)? othersPart) =>
        othersPart is var (others, otherHolders)
            ? slot.Pending + heldHere.Value + OthersShare(others, otherHolders) - snapshot.InFlight
            : slot.Pending + slot.OwnSinceSnapshot;

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

    /// <summary>The other holders' leases and how many other holders there are, from <paramref name="snapshot"/> when it
    /// says who holds what, otherwise from the newest snapshot of the same incarnation that did.</summary>
    private static (int Others, int OtherHolders)? OthersPublished(EndpointSlot slot, EndpointSnapshot snapshot, string selfHolder)
    {
        var complete = snapshot.InFlightByHolder is not null || snapshot.InFlight == 0 ? snapshot : slot.LastPublished;
        if (complete.Incarnation != snapshot.Incarnation || slot.PartOf(complete, selfHolder) is not var (part, otherHolders)) return null;
        return (complete.InFlight - part, otherHolders);
    }

    /// <summary>For a count an actor answered with (without holders), the other nodes' part noted when it arrived
    /// (<see cref="EndpointSlot.OthersAnswered"/>), with the holders of the last published snapshot.</summary>
    private static (int Others, int OtherHolders)? OthersAnswered(EndpointSlot slot, EndpointSnapshot answer, string selfHolder) =>
        slot.OthersAnswered(answer) is { } others ? (others, OthersPublished(slot, answer, selfHolder)?.OtherHolders ?? 0) : null;
}
