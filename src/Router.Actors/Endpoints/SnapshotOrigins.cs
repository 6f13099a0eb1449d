using System.Collections.Concurrent;
using Akka.Actor;

namespace Router.Actors.Endpoints;

/// <summary>
/// The node each endpoint's latest applied snapshot came from: where its actor ran then. Written only by the
/// <see cref="SnapshotApplier"/>; only admin answers read it (to say whether an endpoint that did not answer sits on an
/// unreachable node). Fencing uses <see cref="Hosting.EndpointHomes"/> instead.
/// </summary>
internal sealed class SnapshotOrigins
{
    private readonly ConcurrentDictionary<string, Address> _origins = new(StringComparer.Ordinal);

    /// <summary>The endpoint's newest snapshot came from <paramref name="origin"/>.</summary>
    public void Record(string endpointId, Address origin)
    {
        if (!_origins.TryGetValue(endpointId, out var known) || known != origin) _origins[endpointId] = origin;
    }

    public bool TryGetOrigin(string endpointId, out Address origin) => _origins.TryGetValue(endpointId, out origin!);
}
