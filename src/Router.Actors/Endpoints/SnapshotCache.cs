using System.Collections.Concurrent;
using Router.Messages.Endpoints;

namespace Router.Actors.Endpoints;

/// <summary>
/// The node's latest known snapshot of every endpoint, fed by pushed batches and by lease answers.
/// Routers rank on it without asking endpoints; the endpoint actor still decides every grant.
/// </summary>
public sealed class SnapshotCache
{
    private readonly ConcurrentDictionary<string, EndpointSnapshot> _snapshots = new(StringComparer.Ordinal);

    /// <summary>Called with (endpoint id, incarnation) when a snapshot from a new incarnation of an endpoint actor is stored.</summary>
    public event Action<string, long>? IncarnationSeen;

    /// <summary>Stores <paramref name="snapshot"/> unless a newer one is already there.</summary>
    public void Apply(EndpointSnapshot snapshot)
    {
        while (true)
        {
            if (!_snapshots.TryGetValue(snapshot.EndpointId, out var current))
            {
                if (!_snapshots.TryAdd(snapshot.EndpointId, snapshot)) continue;
                IncarnationSeen?.Invoke(snapshot.EndpointId, snapshot.Incarnation);
                return;
            }
            if (!snapshot.Supersedes(current)) return;
            if (!_snapshots.TryUpdate(snapshot.EndpointId, snapshot, current)) continue;
            if (snapshot.Incarnation != current.Incarnation) IncarnationSeen?.Invoke(snapshot.EndpointId, snapshot.Incarnation);
            return;
        }
    }

    public EndpointSnapshot Get(string endpointId) =>
        _snapshots.TryGetValue(endpointId, out var snapshot) ? snapshot : EndpointSnapshot.Empty(endpointId);
}
