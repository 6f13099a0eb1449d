namespace Router.Actors.Strategies;

/// <summary>
/// Picks the cheapest endpoint by input plus output price per 1K tokens; ties go to the less loaded, then
/// the first. Rate limits need no check here: the router has already removed endpoints at their caps.
/// </summary>
public sealed class CostStrategy : IRoutingStrategy
{
    public const string StrategyName = "cost";

    public string Name => StrategyName;

    public int Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context)
    {
        var best = 0;
        var bestCost = Cost(candidates[0]);
        for (var i = 1; i < candidates.Count; i++)
        {
            var c = candidates[i];
            var cost = Cost(c);
            if (cost < bestCost || (cost == bestCost && c.InFlight < candidates[best].InFlight))
            {
                best = i;
                bestCost = cost;
            }
        }

        return best;
    }

    private static double Cost(EndpointCandidate c) =>
        c.Definition.InputCostPer1KTokens + c.Definition.OutputCostPer1KTokens;
}
