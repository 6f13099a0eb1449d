using System.Numerics;
using System.Runtime.InteropServices;

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
        // Two bits per Guid held, looked at before the set: almost every acquire carries an id that never ended, and at a
        // busy endpoint the set's tens of thousands of entries miss the CPU caches, where a bitmap of 8-16 bits per id
        // mostly does not. No false negatives: a bit clear means not held; both set means look in the set.
        private ulong[] _filter = [];
        public int Count => Guids.Count + Others.Count;

        public bool Contains(Guid guid) => _filter.Length > 0 && MayHold(guid) && Guids.Contains(guid);

        public bool Contains(string id) => Others.Contains(id);

        public void Add(Guid guid)
        {
            if (!Guids.Add(guid)) return;
            if (Guids.Count * BitsPerIdAtLeast > _filter.Length * 64L) Rebuild();
            else Mark(guid);
        }

        public void Add(string id) => Others.Add(id);

        public void Clear()
        {
            Guids.Clear();
            Others.Clear();
            Array.Clear(_filter); // kept at its size: the next generation sees about the same release rate
        }

        private const int BitsPerIdAtLeast = 8;

        /// <summary>Sized for twice the bits per id it is rebuilt below, so rebuilding (every id again) is rare.</summary>
        private void Rebuild()
        {
            _filter = new ulong[Math.Max(1, (int)BitOperations.RoundUpToPowerOf2((uint)Guids.Count * 2 * BitsPerIdAtLeast) / 64)];
            foreach (var guid in Guids) Mark(guid);
        }

        private void Mark(Guid guid)
        {
            var (first, second) = Positions(guid, _filter.Length * 64 - 1);
            _filter[first >> 6] |= 1UL << (first & 63);
            _filter[second >> 6] |= 1UL << (second & 63);
        }

        private bool MayHold(Guid guid)
        {
            var (first, second) = Positions(guid, _filter.Length * 64 - 1);
            return (_filter[first >> 6] & (1UL << (first & 63))) != 0 && (_filter[second >> 6] & (1UL << (second & 63))) != 0;
        }

        /// <param name="mask">The bitmap's size in bits, minus one (a power of two).</param>
        private static (int First, int Second) Positions(Guid guid, int mask)
        {
            var halves = MemoryMarshal.Cast<Guid, ulong>(new ReadOnlySpan<Guid>(in guid));
            var mixed = halves[0] ^ BitOperations.RotateLeft(halves[1], 32);
            // The high halves of two odd multiples: well mixed even for ids that are not random.
            return ((int)((mixed * 0x9E3779B97F4A7C15UL) >> 32) & mask, (int)((mixed * 0xC2B2AE3D27D4EB4FUL) >> 32) & mask);
        }
    }

    public int Count => _current.Count + _previous.Count;

    public bool Contains(string leaseId) =>
        Guid.TryParseExact(leaseId, "N", out var guid) // read once for both generations
            ? _current.Contains(guid) || _previous.Contains(guid)
            : _current.Contains(leaseId) || _previous.Contains(leaseId);

    public void Add(string leaseId, DateTimeOffset now)
    {
        if (now - _currentSince >= horizon || _current.Count >= generationLimit)
        {
            // The previous generation is at least one horizon old: drop it whole, reuse its sets.
            (_previous, _current) = (_current, _previous);
            _current.Clear();
            _currentSince = now;
        }
        if (Guid.TryParseExact(leaseId, "N", out var guid)) _current.Add(guid);
        else _current.Add(leaseId);
    }
}
