using System.Collections.Concurrent;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Routing;

/// <summary>
/// The leases this node's callers hold right now (added when granted to them, removed when they report).
/// A new incarnation of an endpoint actor asks every node for these before it grants anything, so its
/// in-flight count starts from the truth after its shard moved.
/// </summary>
public sealed class LeaseBook
{
    private readonly ConcurrentDictionary<string, Lease> _held = new(StringComparer.Ordinal);

    public int Count => _held.Count;

    public void Add(Lease lease) => _held[lease.LeaseId] = lease;

    public void Remove(string leaseId) => _held.TryRemove(leaseId, out _);

    /// <summary>The unexpired leases held on <paramref name="endpointId"/>; expired ones are forgotten.</summary>
    public List<HeldLease> HeldOn(string endpointId, DateTimeOffset now)
    {
        var held = new List<HeldLease>();
        foreach (var (id, lease) in _held)
        {
            if (lease.EndpointId != endpointId) continue;
            if (lease.ExpiresAt <= now) _held.TryRemove(id, out _); // the endpoint reclaimed it anyway
            else held.Add(new HeldLease(id, lease.ExpiresAt, lease.EstimatedTokens));
        }
        return held;
    }
}
