using Router.Messages.Endpoints;

namespace Router.Actors.Strategies;

/// <summary>
/// Picks the cheapest endpoint by input plus output price per 1K tokens; ties go to the less loaded, then one at
/// random: equally priced endpoints are interchangeable, and sending every complete tie to the first one in the list
/// piled a group's load on it (every node ranks on the same counts, which lag by a gossip interval).
/// Rate limits need no check here: the router has already removed endpoints at their caps.
/// </summary>
public sealed class CostStrategy : IRoutingStrategy
{
    public const string StrategyName = "cost";

    public string Name => StrategyName;

    /// <summary>Only the cheapest are ever picked: in a large group the router hands over the cheapest first.</summary>
    public Func<EndpointDefinition, double>? RankOf { get; } = Cost;

    public int Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context)
    {
        // One pass: cheapest, then fewer in flight, then a reservoir draw among the complete ties.
        var best = 0;
        var bestCost = Cost(candidates[0]);
        var ties = 1;
        for (var i = 1; i < candidates.Count; i++)
        {
            var c = candidates[i];
            var cost = Cost(c);
            if (cost < bestCost || (cost == bestCost && c.InFlight < candidates[best].InFlight))
            {
                best = i;
                bestCost = cost;
                ties = 1;
            }
            else if (cost == bestCost && c.InFlight == candidates[best].InFlight && context.Random.Next(++ties) == 0)
            {
                best = i;
            }
        }

        return best;
    }

    private static double Cost(EndpointCandidate c) => Cost(c.Definition);

    private static double Cost(EndpointDefinition endpoint) => endpoint.InputCostPer1KTokens + endpoint.OutputCostPer1KTokens;
}
