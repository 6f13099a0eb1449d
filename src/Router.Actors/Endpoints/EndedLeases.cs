namespace Router.Actors.Endpoints;

/// <summary>
/// The ids of leases an endpoint released or reclaimed lately, so a late acquire, renewal or re-assertion of one is
/// not counted again. Remembered for one to two <paramref name="horizon"/>s (two generations, the older dropped
/// whole), not by count: memory follows the release rate over a short horizon, not the endpoint's whole history.
/// Ids in the router's own form (32 hex digits) are kept as 16-byte <see cref="Guid"/>s, so the set holds no strings.
/// </summary>
/// <param name="horizon">At least the longest a message about a lease can arrive late: a renewal round plus its
/// delivery, an acquire the router gave up on. Caps hold whatever is forgotten (re-assertions over the cap are refused).</param>
/// <param name="generationLimit">Ids per generation before it is rotated early, bounding memory at absurd release rates.</param>
internal sealed class EndedLeases(TimeSpan horizon, int generationLimit = 100_000)
{
    private Generation _current = new();
    private Generation _previous = new();
    private DateTimeOffset _currentSince = DateTimeOffset.MinValue;

    private sealed class Generation
    {
        public readonly HashSet<Guid> Guids = [];
        public readonly HashSet<string> Others = new(StringComparer.Ordinal);
        public int Count => Guids.Count + Others.Count;

        public bool Contains(string id) => Guid.TryParseExact(id, "N", out var guid) ? Guids.Contains(guid) : Others.Contains(id);

        public void Add(string id)
        {
            if (Guid.TryParseExact(id, "N", out var guid)) Guids.Add(guid);
            else Others.Add(id);
        }

        public void Clear()
        {
            Guids.Clear();
            Others.Clear();
        }
    }

    public int Count => _current.Count + _previous.Count;

    public bool Contains(string leaseId) => _current.Contains(leaseId) || _previous.Contains(leaseId);

    public void Add(string leaseId, DateTimeOffset now)
    {
        if (now - _currentSince >= horizon || _current.Count >= generationLimit)
        {
            // The previous generation is at least one horizon old: drop it whole, reuse its sets.
            (_previous, _current) = (_current, _previous);
            _current.Clear();
            _currentSince = now;
        }
        _current.Add(leaseId);
    }
}
