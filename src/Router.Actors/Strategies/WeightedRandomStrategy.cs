using System.Collections.Immutable;
using Router.Messages.Endpoints;

namespace Router.Actors.Strategies;

/// <summary>
/// Picks at random in proportion to a weight (LiteLLM's "simple-shuffle"): the configured weight when any
/// endpoint sets one, else the rpm limit, else the tpm limit, else uniform.
/// </summary>
/// <remarks>
/// In a large group the weights are the whole group's, in an alias table built once per directory version: the
/// shortlist is up to <see cref="GroupView.BuiltInShortlist"/> distinct draws from it, and the pick is the
/// first that may take the request, which is a draw in proportion to weight among those that may (rejection sampling).
/// </remarks>
public sealed class WeightedRandomStrategy : IRoutingStrategy
{
    public const string StrategyName = "weighted-random";

    private enum Basis { Uniform, Weight, Rpm, Tpm }

    private ImmutableArray<EndpointDefinition> _tableOf;
    private AliasTable? _table; // null when the draw is uniform

    public string Name => StrategyName;

    public int Shortlist(GroupView group, RoutingContext context, Span<int> shortlist)
    {
        if (_tableOf != group.Endpoints) (_table, _tableOf) = (Table(group.Endpoints), group.Endpoints);
        var endpoints = group.Endpoints.Length;
        var count = 0;
        // The first draw that may take the request is the pick. Twice as many draws as places, so a group whose weight
        // sits on a few endpoints fills fewer.
        var places = Math.Min(GroupView.BuiltInShortlist, shortlist.Length);
        for (var draw = 0; draw < 2 * places && count < places; draw++)
        {
            var r = context.Random.NextDouble();
            var position = _table is null ? Math.Min((int)(r * endpoints), endpoints - 1) : _table.Draw(r);
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

    /// <summary>The group's weights as an alias table, or null when every endpoint weighs the same (or nothing at all).</summary>
    private static AliasTable? Table(IReadOnlyList<EndpointDefinition> endpoints)
    {
        var (basis, max) = BasisOf(endpoints, static d => d);
        if (basis == Basis.Uniform) return null;
        var weights = endpoints.Select(e => WeightOf(e, basis, max)).ToArray();
        return weights.Sum() > 0 ? new AliasTable(weights) : null;
    }

    private static double WeightOf(EndpointDefinition d, Basis basis, double max) => basis switch
    {
        Basis.Weight => Math.Max(0, d.Weight),
        Basis.Rpm => d.Rpm is { } rpm ? Math.Max(0, rpm) : max,
        Basis.Tpm => d.Tpm is { } tpm ? Math.Max(0, tpm) : max,
        _ => 1,
    };
}
