namespace Router.Actors.Strategies;

/// <summary>
/// Keeps a session on one endpoint (warm prompt caches) using rendezvous hashing with bounded load:
/// every node ranks the endpoints the same way for a key without sharing state, removing an endpoint only
/// moves the keys it owned, and an owner above its share of the load passes the key to the next in its
/// ranking. Requests without a session key go to the least busy endpoint.
/// </summary>
public sealed class SessionAffinityStrategy : IRoutingStrategy
{
    public const string StrategyName = "session-affinity";

    private const ulong FnvOffsetBasis = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    public string Name => StrategyName;

    public int Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context)
    {
        var key = context.Request.SessionKey;
        if (string.IsNullOrEmpty(key))
            return LeastBusyStrategy.PickLeastBusy(candidates, context.Random);

        // Bounded load (consistent hashing with bounded loads): no endpoint may exceed
        // SessionLoadFactor x the mean load, counting the request being placed.
        long sumInFlight = 0;
        for (var i = 0; i < candidates.Count; i++)
            sumInFlight += Math.Max(0, candidates[i].InFlight);
        var cap = Math.Max(1, (long)Math.Ceiling(context.Settings.SessionLoadFactor * (sumInFlight + 1) / candidates.Count));

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

    private static ulong Fnv(ulong hash, string text)
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
