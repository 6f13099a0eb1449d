using System.Collections.Concurrent;

namespace Router.Actors.Routing;

/// <summary>
/// Endpoints whose actor did not answer an acquire in time (its node may be down), and until when every router on this
/// node avoids them while other endpoints remain. One per node, shared so one timeout teaches all routees.
/// Written by the routers (<see cref="MarkSilent"/> on a timeout, <see cref="ClearSilent"/> on any answer) and by the
/// snapshot applier (<see cref="ClearSilent"/> when a new incarnation of the endpoint publishes).
/// </summary>
internal sealed class SilentEndpoints
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _until = new(StringComparer.Ordinal);

    /// <summary>True when no endpoint is avoided: the common case, checked before filtering candidates.</summary>
    public bool IsEmpty => _until.IsEmpty;

    /// <summary>The endpoint's actor did not answer: avoid it until <paramref name="until"/>.</summary>
    public void MarkSilent(string endpointId, DateTimeOffset until) => _until[endpointId] = until;

    /// <summary>The endpoint's actor answered (or a new incarnation of it published): try it again at once.</summary>
    public void ClearSilent(string endpointId) => _until.TryRemove(endpointId, out _);

    /// <summary>Whether the endpoint is still avoided at <paramref name="now"/>; a penalty that has run out is dropped.</summary>
    public bool IsSilent(string endpointId, DateTimeOffset now)
    {
        if (!_until.TryGetValue(endpointId, out var until)) return false;
        if (until > now) return true;
        _until.TryRemove(endpointId, out _);
        return false;
    }
}
