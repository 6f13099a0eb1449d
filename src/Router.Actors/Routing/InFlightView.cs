using Router.Actors.Endpoints;
using Router.Actors.Leasing;
using Router.Messages.Endpoints;

namespace Router.Actors.Routing;

/// <summary>
/// The in-flight count a router ranks an endpoint on: its snapshot's count plus what this node knows that the snapshot
/// does not show yet (<see cref="EndpointCandidate.Pending"/>).
/// </summary>
internal static class InFlightView
{
    /// <summary>
    /// What to add to <paramref name="snapshot"/>'s count. For a strategy that wants the least busy endpoint
    /// (<paramref name="selfHolder"/> given), the count is this node's exact count of its requests on the endpoint plus a
    /// share of the other nodes' part from the snapshot (see <see cref="OthersShare"/>): the snapshot's part for this node
    /// lags by a network trip for an endpoint on another node (releases on their way, a batch not yet sent) but hardly
    /// at all for one on this node, so ranking on it leaned towards this node's endpoints. Otherwise (or for a snapshot
    /// that does not say who holds what) this node's activity since the snapshot is added.
    /// </summary>
    public static int Pending(EndpointSlot slot, EndpointSnapshot snapshot, HeldCount heldHere, string? selfHolder)
    {
        if (selfHolder is not null && slot.PartOf(snapshot, selfHolder) is var (partInSnapshot, otherHolders))
            return slot.Pending + heldHere.Value + OthersShare(snapshot.InFlight - partInSnapshot, otherHolders) - snapshot.InFlight;
        return slot.Pending + slot.OwnSinceSnapshot;
    }

    /// <summary>
    /// The other nodes' requests on an endpoint, as this node ranks them: divided among the nodes that route to it, this
    /// one included. Every node sees the same snapshot (up to 200 ms old) and would, counting all of it, move its own
    /// requests to make up the whole difference it shows, all at once: together they overshoot, and three gateways put
    /// 18-19 of 24 clients' requests on one upstream. Each node making up its share of the difference leaves the sum
    /// near the difference; and since each node spreads its own requests exactly, the sum is even when the nodes' loads
    /// are alike, whatever the snapshots say.
    /// </summary>
    internal static int OthersShare(int othersInFlight, int otherHolders) =>
        otherHolders <= 0 ? Math.Max(0, othersInFlight) : (int)Math.Round(Math.Max(0, othersInFlight) / (otherHolders + 1.0));
}
