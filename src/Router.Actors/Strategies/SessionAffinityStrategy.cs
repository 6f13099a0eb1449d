using System.Collections.Immutable;
using Router.Messages.Endpoints;

namespace Router.Actors.Strategies;

/// <summary>
/// Keeps a session on one endpoint (warm prompt caches) using rendezvous hashing with bounded load:
/// every node ranks the endpoints the same way for a key without sharing state, removing an endpoint only
/// moves the keys it owned, and an owner above its share of the load passes the key to the next in its
/// ranking. Requests without a session key go to the least busy endpoint.
/// </summary>
/// <remarks>
/// In a large group a session's ranking is computed once per directory version and its
/// <see cref="RankedPerSession"/> highest endpoints kept (for up to <see cref="MaxSessions"/> sessions), and the bounded
/// load is taken against the group's mean refreshed every <see cref="LoadRefresh"/>; when none of those endpoints is
/// under it, the decision looks at the whole group. Requests without a key rank a random run of the group.
/// </remarks>
public sealed class SessionAffinityStrategy : IRoutingStrategy
{
    public const string StrategyName = "session-affinity";

    private const ulong FnvOffsetBasis = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    /// <summary>In a large group, how many of a session's highest-ranked endpoints are kept: enough that a key's
    /// owner and its successors are rarely all over the bounded load, or all drained, at once.</summary>
    public const int RankedPerSession = 8;

    /// <summary>In a large group, how many sessions' rankings are kept; when more arrive, they are all computed again.</summary>
    public const int MaxSessions = 100_000;

    /// <summary>In a large group, how often the group's mean load for the bounded load is counted again.</summary>
    public static readonly TimeSpan LoadRefresh = TimeSpan.FromMilliseconds(50);

    // A session key's hash → its best positions, best first. Keyed by the hash, not the key: the scores depend on the key
    // only through it, and a client's long keys are not kept.
    private readonly Dictionary<ulong, int[]> _rankings = new();
    private ImmutableArray<EndpointDefinition> _rankingsOf;
    private int _sharedPrefix; // how many leading characters every endpoint id of _rankingsOf shares
    private long _groupInFlight;
    private DateTimeOffset _groupInFlightAt = DateTimeOffset.MinValue;

    public string Name => StrategyName;

    public int Shortlist(GroupView group, RoutingContext context, Span<int> shortlist)
    {
        var endpoints = group.Endpoints;
        if (_rankingsOf != endpoints)
        {
            _rankings.Clear();
            (_rankingsOf, _groupInFlightAt, _sharedPrefix) = (endpoints, DateTimeOffset.MinValue, SharedPrefix(endpoints));
        }
        var key = context.Request.SessionKey;
        if (string.IsNullOrEmpty(key))
        {
            // No session: the least busy of a random run, as least-busy ranks a sample.
            var start = context.Random.Next(endpoints.Length);
            for (var k = 0; k < shortlist.Length; k++) shortlist[k] = (start + k) % endpoints.Length;
            return shortlist.Length;
        }
        var keyState = HashKey(key);
        if (!_rankings.TryGetValue(keyState, out var ranking))
        {
            if (_rankings.Count >= MaxSessions) _rankings.Clear();
            _rankings[keyState] = ranking = Highest(keyState, endpoints, _sharedPrefix, Math.Min(RankedPerSession, shortlist.Length));
        }
        if (context.Now - _groupInFlightAt >= LoadRefresh || context.Now < _groupInFlightAt)
        {
            _groupInFlight = 0;
            for (var p = 0; p < endpoints.Length; p++) _groupInFlight += group[p].InFlight;
            _groupInFlightAt = context.Now;
        }
        // None of them under the bounded load: the owner is further down the ranking, which only the whole group shows.
        var cap = Cap(context.Settings, _groupInFlight, endpoints.Length);
        foreach (var position in ranking)
            if (group[position].InFlight < cap)
            {
                ranking.CopyTo(shortlist);
                return ranking.Length;
            }
        return -1;
    }

    public int Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context)
    {
        var key = context.Request.SessionKey;
        if (string.IsNullOrEmpty(key))
            return LeastBusyStrategy.PickLeastBusy(candidates, context.Random);
        if (context.Shortlisted)
        {
            // The candidates are the session's ranking, best first: the first under the bounded load, else the best.
            var groupCap = Cap(context.Settings, _groupInFlight, _rankingsOf.IsDefault ? candidates.Count : _rankingsOf.Length);
            for (var i = 0; i < candidates.Count; i++)
                if (candidates[i].InFlight < groupCap) return i;
            return 0;
        }

        // Bounded load (consistent hashing with bounded loads): no endpoint may exceed
        // SessionLoadFactor x the mean load, counting the request being placed.
        long sumInFlight = 0;
        for (var i = 0; i < candidates.Count; i++)
            sumInFlight += Math.Max(0, candidates[i].InFlight);
        var cap = Cap(context.Settings, sumInFlight, candidates.Count);

        // "Walk the ranking and take the first under the cap" is the same as "the highest score among
        // those under the cap", which needs one pass and no sort. Falls back to the overall top.
        var keyState = HashKey(key);
        var top = 0;
        var topScore = 0UL;
        var underCap = -1;
        var underCapScore = 0UL;
        for (var i = 0; i < candidates.Count; i++)
        {
            var score = Score(keyState, candidates[i].Id);
            if (i == 0 || score > topScore)
            {
                top = i;
                topScore = score;
            }

            if (candidates[i].InFlight < cap && (underCap < 0 || score > underCapScore))
            {
                underCap = i;
                underCapScore = score;
            }
        }

        return underCap >= 0 ? underCap : top;
    }

    /// <summary>The most an owner may hold: <see cref="StrategySettings.SessionLoadFactor"/> x the mean in-flight, counting
    /// the request being placed.</summary>
    private static long Cap(StrategySettings settings, long sumInFlight, int endpoints) =>
        Math.Max(1, (long)Math.Ceiling(settings.SessionLoadFactor * (sumInFlight + 1) / endpoints));

    /// <summary>The positions of the <paramref name="count"/> endpoints with the highest scores for the key (hashed), highest
    /// first. The hash runs over the ids' shared prefix once ("gpt-4o-eastus-" in "gpt-4o-eastus-17"), then over each
    /// id's own rest: the same scores, for a fraction of the work a new session costs in a large group.</summary>
    private static int[] Highest(ulong keyState, ImmutableArray<EndpointDefinition> endpoints, int sharedPrefix, int count)
    {
        var prefixState = Fnv(keyState, endpoints[0].Id.AsSpan(0, sharedPrefix));
        var best = new (ulong Score, int Position)[Math.Min(count, endpoints.Length)];
        var filled = 0;
        for (var p = 0; p < endpoints.Length; p++)
        {
            var score = Finalize(Fnv(prefixState, endpoints[p].Id.AsSpan(sharedPrefix)));
            if (filled == best.Length && score <= best[^1].Score) continue;
            // Insert in order, dropping the lowest when full (the array is a handful long).
            var at = filled < best.Length ? filled++ : best.Length - 1;
            while (at > 0 && best[at - 1].Score < score) (best[at], at) = (best[at - 1], at - 1);
            best[at] = (score, p);
        }
        return [.. best.Select(b => b.Position)];
    }

    private static int SharedPrefix(ImmutableArray<EndpointDefinition> endpoints)
    {
        var prefix = endpoints[0].Id.AsSpan();
        foreach (var endpoint in endpoints) prefix = prefix[..prefix.CommonPrefixLength(endpoint.Id)];
        return prefix.Length;
    }

    /// <summary>
    /// Rendezvous score of (key, endpoint): FNV-1a 64 over both strings, then a murmur3 finalizer because
    /// FNV alone mixes the last characters poorly and ids often differ only there ("ep-1", "ep-2").
    /// Stable across processes and platforms, unlike <see cref="string.GetHashCode()"/>.
    /// </summary>
    internal static ulong Score(string sessionKey, string endpointId) => Score(HashKey(sessionKey), endpointId);

    // The key is hashed once per pick; each endpoint continues from that state. The key's length is mixed
    // in so ("ab", "c") and ("a", "bc") differ.
    private static ulong HashKey(string key) => Mix(Fnv(FnvOffsetBasis, key), (ulong)key.Length);

    private static ulong Score(ulong keyState, string endpointId) => Finalize(Fnv(keyState, endpointId));

    private static ulong Fnv(ulong hash, ReadOnlySpan<char> text)
    {
        foreach (var ch in text)
        {
            // Both bytes of each UTF-16 unit, low first, so the result does not depend on the platform.
            hash = (hash ^ (byte)ch) * FnvPrime;
            hash = (hash ^ (byte)(ch >> 8)) * FnvPrime;
        }

        return hash;
    }

    private static ulong Mix(ulong hash, ulong value)
    {
        for (var i = 0; i < 8; i++, value >>= 8)
            hash = (hash ^ (byte)value) * FnvPrime;
        return hash;
    }

    private static ulong Finalize(ulong h)
    {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return h;
    }
}
