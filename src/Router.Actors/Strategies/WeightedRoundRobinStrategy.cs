namespace Router.Actors.Strategies;

/// <summary>
/// Smooth weighted round-robin (the nginx algorithm): weights 3:1 give a, a, b, a rather than a, a, a, b,
/// so a heavy endpoint never receives a burst.
/// </summary>
public sealed class WeightedRoundRobinStrategy : IRoutingStrategy
{
    public const string StrategyName = "weighted";

    // Keyed by endpoint id because the candidate set changes between picks (caps, cooldowns, retries):
    // a new id starts at 0, an absent one keeps its value and is just skipped for that pick.
    private readonly Dictionary<string, int> _current = new(StringComparer.Ordinal);

    public string Name => StrategyName;

    public int Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context)
    {
        // Weight <= 0 counts as 0; if every weight is 0 they all count as 1 so the group still serves.
        var total = 0;
        for (var i = 0; i < candidates.Count; i++)
            total += EffectiveWeight(candidates[i], allZero: false);
        var allZero = total == 0;
        if (allZero)
            total = candidates.Count;

        var best = -1;
        var bestCurrent = int.MinValue;
        for (var i = 0; i < candidates.Count; i++)
        {
            var id = candidates[i].Id;
            _current.TryGetValue(id, out var current);
            current += EffectiveWeight(candidates[i], allZero);
            _current[id] = current;
            // Strictly greater: ties go to the earliest candidate, which makes the sequence deterministic.
            if (current > bestCurrent)
            {
                bestCurrent = current;
                best = i;
            }
        }

        _current[candidates[best].Id] = bestCurrent - total;
        return best;
    }

    private static int EffectiveWeight(EndpointCandidate candidate, bool allZero) =>
        allZero ? 1 : Math.Max(0, candidate.Definition.Weight);
}
