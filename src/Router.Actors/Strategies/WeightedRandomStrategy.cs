using Router.Messages.Endpoints;

namespace Router.Actors.Strategies;

/// <summary>
/// Picks at random in proportion to a weight (LiteLLM's "simple-shuffle"): the configured weight when any
/// endpoint sets one, else the rpm limit, else the tpm limit, else uniform.
/// </summary>
/// <remarks>
/// In a large group the weights are the whole group's, in a cumulative table built once per directory version: the
/// shortlist is up to <see cref="Routing.CandidateSelector.SampleSize"/> distinct draws from it, and the pick is the
/// first that may take the request, which is a draw in proportion to weight among those that may (rejection sampling).
/// </remarks>
public sealed class WeightedRandomStrategy : IRoutingStrategy
{
    public const string StrategyName = "weighted-random";

    private enum Basis { Uniform, Weight, Rpm, Tpm }

    private IReadOnlyList<EndpointDefinition>? _tableOf;
    private double[]? _cumulative; // per group position, the sum of the weights up to it; null when the draw is uniform

    public string Name => StrategyName;

    public int Shortlist(GroupView group, RoutingContext context, Span<int> shortlist)
    {
        if (!ReferenceEquals(_tableOf, group.Endpoints)) (_cumulative, _tableOf) = (CumulativeWeights(group.Endpoints), group.Endpoints);
        var endpoints = group.Endpoints.Count;
        var count = 0;
        // Twice as many draws as places: a group whose weight sits on a few endpoints fills fewer, which is enough.
        for (var draw = 0; draw < 2 * shortlist.Length && count < shortlist.Length; draw++)
        {
            var r = context.Random.NextDouble();
            var position = _cumulative is null ? Math.Min((int)(r * endpoints), endpoints - 1) : Find(_cumulative, r * _cumulative[^1]);
            if (!shortlist[..count].Contains(position)) shortlist[count++] = position;
        }
        return count;
    }

    public int Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context)
    {
        // Shortlisted: the candidates are draws in order, so the first is the draw.
        if (context.Shortlisted) return 0;

        var (basis, max) = BasisOf(candidates, static c => c.Definition);
        var total = 0.0;
        if (basis != Basis.Uniform)
            for (var i = 0; i < candidates.Count; i++)
                total += WeightOf(candidates[i].Definition, basis, max);

        // One draw per pick, whatever the basis.
        var r = context.Random.NextDouble();
        if (basis == Basis.Uniform || total <= 0)
            return Math.Min((int)(r * candidates.Count), candidates.Count - 1);

        var target = r * total;
        var cumulative = 0.0;
        var lastPositive = 0;
        for (var i = 0; i < candidates.Count; i++)
        {
            var w = WeightOf(candidates[i].Definition, basis, max);
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

    /// <summary>The basis and, for rpm/tpm, the largest limit present: an endpoint without a limit is unlimited, so it
    /// weighs as much as the largest limited one.</summary>
    private static (Basis Basis, double Max) BasisOf<T>(IReadOnlyList<T> items, Func<T, EndpointDefinition> definition)
    {
        var anyWeight = false;
        double maxRpm = 0, maxTpm = 0;
        bool anyRpm = false, anyTpm = false;
        for (var i = 0; i < items.Count; i++)
        {
            var d = definition(items[i]);
            anyWeight |= d.Weight != 1;
            if (d.Rpm is { } rpm) { anyRpm = true; maxRpm = Math.Max(maxRpm, rpm); }
            if (d.Tpm is { } tpm) { anyTpm = true; maxTpm = Math.Max(maxTpm, tpm); }
        }

        var basis = anyWeight ? Basis.Weight : anyRpm ? Basis.Rpm : anyTpm ? Basis.Tpm : Basis.Uniform;
        return (basis, basis == Basis.Rpm ? maxRpm : maxTpm);
    }

    /// <summary>The group's cumulative weights, or null when every endpoint weighs the same (or nothing at all).</summary>
    private static double[]? CumulativeWeights(IReadOnlyList<EndpointDefinition> endpoints)
    {
        var (basis, max) = BasisOf(endpoints, static d => d);
        if (basis == Basis.Uniform) return null;
        var cumulative = new double[endpoints.Count];
        var total = 0.0;
        for (var i = 0; i < endpoints.Count; i++) cumulative[i] = total += WeightOf(endpoints[i], basis, max);
        return total > 0 ? cumulative : null;
    }

    /// <summary>The first position whose cumulative weight exceeds <paramref name="target"/>: one with a weight above 0.</summary>
    private static int Find(double[] cumulative, double target)
    {
        int low = 0, high = cumulative.Length - 1;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (cumulative[middle] > target) high = middle;
            else low = middle + 1;
        }
        // Rounding at a target close to the total can land on trailing zero weights: step back to a weighted one.
        while (low > 0 && cumulative[low] == cumulative[low - 1]) low--;
        return low;
    }

    private static double WeightOf(EndpointDefinition d, Basis basis, double max) => basis switch
    {
        Basis.Weight => Math.Max(0, d.Weight),
        Basis.Rpm => d.Rpm is { } rpm ? Math.Max(0, rpm) : max,
        Basis.Tpm => d.Tpm is { } tpm ? Math.Max(0, tpm) : max,
        _ => 1,
    };
}
