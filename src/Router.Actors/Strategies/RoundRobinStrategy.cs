namespace Router.Actors.Strategies;

/// <summary>Takes the candidates in turn.</summary>
public sealed class RoundRobinStrategy : IRoutingStrategy
{
    public const string StrategyName = "round-robin";
    private uint _next;

    public string Name => StrategyName;

    public EndpointCandidate Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context) =>
        candidates[(int)(_next++ % (uint)candidates.Count)];
}
