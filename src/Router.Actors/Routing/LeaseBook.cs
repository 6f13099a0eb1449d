using System.Collections.Concurrent;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Routing;

/// <summary>
/// The leases this node's callers hold right now (added when granted to them, removed when they report).
/// When an endpoint's actor restarts elsewhere (its shard moved), the node re-asserts the leases it still
/// holds there, so the new actor's in-flight count converges to the truth.
/// </summary>
public sealed class LeaseBook
{
    private readonly ConcurrentDictionary<string, Lease> _held = new(StringComparer.Ordinal);

    public int Count => _held.Count;

    public void Add(Lease lease) => _held[lease.LeaseId] = lease;

    public void Remove(string leaseId) => _held.TryRemove(leaseId, out _);

    /// <summary>
    /// The leases on <paramref name="endpointId"/> granted by an older incarnation than
    /// <paramref name="incarnation"/>; they are re-stamped so each is re-asserted once.
    /// </summary>
    public List<HeldLease> TakeStale(string endpointId, long incarnation, DateTimeOffset now)
    {
        var stale = new List<HeldLease>();
        foreach (var (id, lease) in _held)
        {
            if (lease.EndpointId != endpointId || lease.Incarnation >= incarnation) continue;
            if (lease.ExpiresAt <= now)
            {
                _held.TryRemove(id, out _); // its holder never reported; the endpoint reclaimed it anyway
                continue;
            }
            _held[id] = lease with { Incarnation = incarnation };
            stale.Add(new HeldLease(id, lease.ExpiresAt, lease.EstimatedTokens));
        }
        return stale;
    }
}
