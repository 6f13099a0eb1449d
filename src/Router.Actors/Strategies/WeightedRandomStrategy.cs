namespace Router.Actors.Strategies;

/// <summary>
/// Picks at random in proportion to a weight (LiteLLM's "simple-shuffle"): the configured weight when any
/// endpoint sets one, else the rpm limit, else the tpm limit, else uniform.
/// </summary>
public sealed class WeightedRandomStrategy : IRoutingStrategy
{
    public const string StrategyName = "weighted-random";

    private enum Basis { Uniform, Weight, Rpm, Tpm }

    public string Name => StrategyName;

    public int Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context)
    {
        // Choose the basis and, for rpm/tpm, the largest limit present: an endpoint without a limit is
        // unlimited, so it weighs as much as the largest limited one.
        var anyWeight = false;
        double maxRpm = 0, maxTpm = 0;
        bool anyRpm = false, anyTpm = false;
        for (var i = 0; i < candidates.Count; i++)
        {
            var d = candidates[i].Definition;
            anyWeight |= d.Weight != 1;
            if (d.Rpm is { } rpm) { anyRpm = true; maxRpm = Math.Max(maxRpm, rpm); }
            if (d.Tpm is { } tpm) { anyTpm = true; maxTpm = Math.Max(maxTpm, tpm); }
        }

        var basis = anyWeight ? Basis.Weight : anyRpm ? Basis.Rpm : anyTpm ? Basis.Tpm : Basis.Uniform;
        var max = basis == Basis.Rpm ? maxRpm : maxTpm;

        var total = 0.0;
        if (basis != Basis.Uniform)
            for (var i = 0; i < candidates.Count; i++)
                total += WeightOf(candidates[i], basis, max);

        // One draw per pick, whatever the basis.
        var r = context.Random.NextDouble();
        if (basis == Basis.Uniform || total <= 0)
            return Math.Min((int)(r * candidates.Count), candidates.Count - 1);

        var target = r * total;
        var cumulative = 0.0;
        var lastPositive = 0;
        for (var i = 0; i < candidates.Count; i++)
        {
            var w = WeightOf(candidates[i], basis, max);
            if (w <= 0)
                continue;
            cumulative += w;
            lastPositive = i;
            if (target < cumulative)
                return i;
        }

        // Only reachable through floating-point rounding at r close to 1.
        return lastPositive;
    }

    private static double WeightOf(EndpointCandidate candidate, Basis basis, double max)
    {
        var d = candidate.Definition;
        return basis switch
        {
            Basis.Weight => Math.Max(0, d.Weight),
            Basis.Rpm => d.Rpm is { } rpm ? Math.Max(0, rpm) : max,
            Basis.Tpm => d.Tpm is { } tpm ? Math.Max(0, tpm) : max,
            _ => 1,
        };
    }
}
