using System.Collections.Immutable;
using Router.Messages.Endpoints;

namespace Router.Actors.Strategies;

/// <summary>Takes the candidates in turn.</summary>
/// <remarks>
/// In a large group it takes the endpoints in group order from its turn: the shortlist is the endpoints from the turn
/// on, and the pick the first candidate at or after it, also when the router gives it the whole group instead. An
/// endpoint passed over (drained, excluded) then loses its turn rather than handing it to the next one.
/// </remarks>
public sealed class RoundRobinStrategy : IRoutingStrategy
{
    public const string StrategyName = "round-robin";
    private uint _next;
    private ImmutableArray<EndpointDefinition> _group; // the large group last shortlisted
    private int _turn; // in it: the group position the next turn starts at

    public string Name => StrategyName;

    public int Shortlist(GroupView group, RoutingContext context, Span<int> shortlist)
    {
        if (_group != group.Endpoints) (_group, _turn) = (group.Endpoints, 0);
        var count = Math.Min(GroupView.BuiltInShortlist, shortlist.Length);
        for (var k = 0; k < count; k++) shortlist[k] = (_turn + k) % _group.Length;
        return count;
    }

    public int Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context) =>
        context.Shortlisted || GroupView.Places(_group, candidates) ? PickInTurn(candidates, _group.Length) : (int)(_next++ % (uint)candidates.Count);

    /// <summary>The first candidate from the turn on, in group order (wrapping round); the next turn starts after it.
    /// Other decisions may have moved the turn since this one's shortlist: the turn as it is now counts.</summary>
    private int PickInTurn(IReadOnlyList<EndpointCandidate> candidates, int groupSize)
    {
        var (picked, nearest) = (0, int.MaxValue);
        for (var i = 0; i < candidates.Count; i++)
        {
            var ahead = ((candidates[i].Position - _turn) % groupSize + groupSize) % groupSize;
            if (ahead < nearest) (picked, nearest) = (i, ahead);
        }
        _turn = (candidates[picked].Position + 1) % groupSize;
        return picked;
    }
}
