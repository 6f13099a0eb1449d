namespace Router.Actors.Strategies;

/// <summary>Takes the candidates in turn.</summary>
public sealed class RoundRobinStrategy : IRoutingStrategy
{
    public const string StrategyName = "round-robin";
    private uint _next;

    public string Name => StrategyName;

    public int Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context) =>
        (int)(_next++ % (uint)candidates.Count);
}
