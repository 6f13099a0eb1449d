using System.Collections.Immutable;
using Router.Messages.Endpoints;

namespace Router.Actors.Strategies;

/// <summary>
/// Smooth weighted round-robin (the nginx algorithm): weights 3:1 give a, a, b, a rather than a, a, a, b,
/// so a heavy endpoint never receives a burst.
/// </summary>
/// <remarks>
/// In a large group the endpoints take turns by a round built once per directory version (<see cref="WeightedTurns"/>,
/// the same sequence for 3:1): the shortlist is the endpoints whose turns come next, and the pick the candidate whose
/// turn comes first, also when the router gives it the whole group instead. An endpoint passed over (drained, excluded)
/// loses its turn rather than handing it to the next one.
/// </remarks>
public sealed class WeightedRoundRobinStrategy : IRoutingStrategy
{
    public const string StrategyName = "weighted";

    // Keyed by endpoint id because the candidate set changes between picks (caps, cooldowns, retries):
    // a new id starts at 0, an absent one keeps its value and is just skipped for that pick.
    private readonly Dictionary<string, int> _current = new(StringComparer.Ordinal);

    private ImmutableArray<EndpointDefinition> _roundOf;
    private WeightedTurns? _round;
    private int _turn; // in a large group: the turn in _round the next pick starts from

    public string Name => StrategyName;

    public int Shortlist(GroupView group, RoutingContext context, Span<int> shortlist)
    {
        if (_roundOf != group.Endpoints)
        {
            // A new directory (any change, to any group) builds the round again: it goes on from as far into the round as
            // the old one was, so frequent changes do not keep giving the first turns of a round.
            var round = WeightedTurns.Build(WeightedTurns.WeightsOf(group.Endpoints));
            _turn = _round is null || round is null ? 0 : (int)((long)_turn * round.Length / _round.Length);
            (_round, _roundOf) = (round, group.Endpoints);
        }
        if (_round is null) return -1;
        // The endpoints of the next turns, each once; a few steps per place, so one heavy endpoint cannot make this long.
        var (count, places) = (0, Math.Min(GroupView.BuiltInShortlist, shortlist.Length));
        for (var step = 0; step < Math.Min(_round.Length, 8 * places) && count < places; step++)
        {
            var position = _round.PositionAt((_turn + step) % _round.Length);
            if (!shortlist[..count].Contains(position)) shortlist[count++] = position;
        }
        return count;
    }

    public int Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context)
    {
        if (_round is not null && (context.Shortlisted || GroupView.Places(_roundOf, candidates))) return PickInTurn(candidates, _round);

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

    /// <summary>The candidate whose turn comes first from the current one; the next pick starts after that turn. Other
    /// decisions may have taken turns since this one's shortlist: the turn as it is now counts.</summary>
    private int PickInTurn(IReadOnlyList<EndpointCandidate> candidates, WeightedTurns round)
    {
        var (picked, nearest) = (0, int.MaxValue);
        for (var i = 0; i < candidates.Count; i++)
            if (round.TurnsUntil(candidates[i].Position, _turn) is >= 0 and var until && until < nearest) (picked, nearest) = (i, until);
        // No candidate has a turn (every one weighs 0): the first, and the round stays where it is.
        if (nearest != int.MaxValue) _turn = (_turn + nearest + 1) % round.Length;
        return picked;
    }
}
