namespace Router.Actors.Strategies;

/// <summary>Takes the candidates in turn.</summary>
public sealed class RoundRobinStrategy : IRoutingStrategy
{
    public const string StrategyName = "round-robin";
    private uint _next;
    private int _turn; // in a large group: the group position the next turn starts at

    public string Name => StrategyName;

    public int? NextTurn => _turn;

    public int Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context)
    {
        if (!context.InTurn) return (int)(_next++ % (uint)candidates.Count);
        // The first candidate from the turn on, in group order (wrapping round to the first); the next turn starts after
        // it, so an endpoint passed over (drained, excluded) does not hand its turns to the one after it. The candidates
        // start at the turn, so this is the first one, unless none from there on could take the request.
        var picked = 0;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates[i].Position < _turn) continue;
            picked = i;
            break;
        }
        _turn = candidates[picked].Position + 1;
        return picked;
    }
}
