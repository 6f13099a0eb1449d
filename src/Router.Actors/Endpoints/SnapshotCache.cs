using System.Collections.Concurrent;
using Router.Messages.Endpoints;

namespace Router.Actors.Endpoints;

/// <summary>
/// The node's latest known snapshot of every endpoint, fed by the pushed batches. Routers rank on it without
/// asking endpoints; the endpoint actor still decides every grant. Each endpoint has one
/// <see cref="EndpointSlot"/> for the node's lifetime, so a router can hold the slots of a group and read
/// them without a lookup per endpoint per decision.
/// </summary>
public sealed class SnapshotCache
{
    private readonly ConcurrentDictionary<string, EndpointSlot> _slots = new(StringComparer.Ordinal);

    public EndpointSlot Slot(string endpointId) => _slots.GetOrAdd(endpointId, id => new EndpointSlot(id));

    /// <summary>
    /// Forgets what is known of an endpoint whose actor stopped answering (its node may be gone): its last
    /// snapshot would otherwise keep it looking busy, so no router would ever try it again and start its
    /// actor elsewhere. Any later snapshot replaces the blank one.
    /// </summary>
    public void Forget(string endpointId) => Slot(endpointId).Reset();

    /// <summary>An endpoint answered a grant with its in-flight count: use it until its next snapshot arrives.</summary>
    public void ObserveInFlight(string endpointId, int inFlight) => Slot(endpointId).ObserveInFlight(inFlight);

    /// <summary>
    /// The newest snapshot any incarnation of the endpoint published, even after <see cref="Forget"/>: a new
    /// incarnation takes its breaker and windows over from it.
    /// </summary>
    public EndpointSnapshot LastPublished(string endpointId) => Slot(endpointId).LastPublished;

    /// <summary>Stores <paramref name="snapshot"/> unless a newer one is already there; true when it did.</summary>
    public bool Apply(EndpointSnapshot snapshot) => Slot(snapshot.EndpointId).TryReplace(snapshot);
}

/// <summary>The current snapshot of one endpoint on this node, swapped atomically.</summary>
public sealed class EndpointSlot(string endpointId)
{
    private EndpointSnapshot _snapshot = EndpointSnapshot.Empty(endpointId);
    private EndpointSnapshot _lastPublished = EndpointSnapshot.Empty(endpointId);

    public EndpointSnapshot Snapshot => Volatile.Read(ref _snapshot);

    internal EndpointSnapshot LastPublished => Volatile.Read(ref _lastPublished);

    /// <summary>
    /// Takes the in-flight count an endpoint reported with a grant, until its next published snapshot: without
    /// it, every decision in the 100 ms between snapshots sees the same stale count and herds onto one endpoint.
    /// </summary>
    internal void ObserveInFlight(int inFlight)
    {
        var current = Volatile.Read(ref _snapshot);
        if (current.InFlight != inFlight)
            Interlocked.CompareExchange(ref _snapshot, current with { InFlight = inFlight }, current);
    }

    internal void Reset() => Volatile.Write(ref _snapshot, EndpointSnapshot.Empty(endpointId));

    internal bool TryReplace(EndpointSnapshot snapshot)
    {
        while (true)
        {
            var previous = Volatile.Read(ref _snapshot);
            if (!snapshot.Supersedes(previous)) return false;
            if (ReferenceEquals(Interlocked.CompareExchange(ref _snapshot, snapshot, previous), previous))
            {
                // Only a snapshot that says who holds its leases can be taken over (a refusal's piggybacked one does not).
                var complete = snapshot.InFlight == 0 || snapshot.InFlightByHolder is not null;
                if (complete && snapshot.Supersedes(Volatile.Read(ref _lastPublished))) Volatile.Write(ref _lastPublished, snapshot);
                return true;
            }
        }
    }
}
