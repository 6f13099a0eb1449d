namespace Router.Actors.Strategies;

/// <summary>
/// Power of two choices: draws two distinct endpoints at random and takes the less loaded one. Nearly as
/// balanced as least-busy, but it does not herd every router onto the same endpoint when snapshots lag.
/// </summary>
public sealed class PowerOfTwoChoicesStrategy : IRoutingStrategy
{
    public const string StrategyName = "power-of-two";

    public string Name => StrategyName;

    public bool RanksASample => true;

    public int Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context)
    {
        var count = candidates.Count;
        if (count == 1)
            return 0;

        // Second index drawn from the remaining count-1 slots and shifted past the first: always distinct.
        var i = context.Random.Next(count);
        var j = context.Random.Next(count - 1);
        if (j >= i)
            j++;

        var first = candidates[i];
        var second = candidates[j];
        if (first.InFlight != second.InFlight)
            return first.InFlight < second.InFlight ? i : j;
        return second.Snapshot.Latency.MeanMs < first.Snapshot.Latency.MeanMs ? j : i;
    }
}
