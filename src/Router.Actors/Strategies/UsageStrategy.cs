namespace Router.Actors.Strategies;

/// <summary>
/// Picks the endpoint with the most rate-limit headroom left in the current minute: the smaller of its
/// rpm and tpm headroom, as a fraction of the limit, so endpoints with different limits compare fairly.
/// </summary>
public sealed class UsageStrategy : IRoutingStrategy
{
    public const string StrategyName = "usage";

    public string Name => StrategyName;

    public EndpointCandidate Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context)
    {
        // One pass: best headroom, then fewer in flight, then a reservoir draw among the complete ties.
        var best = 0;
        var bestHeadroom = Headroom(candidates[0]);
        var bestInFlight = candidates[0].Snapshot.InFlight;
        var ties = 1;
        for (var i = 1; i < candidates.Count; i++)
        {
            var headroom = Headroom(candidates[i]);
            var inFlight = candidates[i].Snapshot.InFlight;
            if (headroom > bestHeadroom || (headroom == bestHeadroom && inFlight < bestInFlight))
            {
                best = i;
                bestHeadroom = headroom;
                bestInFlight = inFlight;
                ties = 1;
            }
            else if (headroom == bestHeadroom && inFlight == bestInFlight && context.Random.Next(++ties) == 0)
            {
                best = i;
            }
        }

        return candidates[best];
    }

    /// <summary>Fraction of the limit still free, in [0, 1]; 1 when unlimited.</summary>
    internal static double Headroom(EndpointCandidate candidate)
    {
        var d = candidate.Definition;
        var s = candidate.Snapshot;
        var rpm = d.Rpm is { } r ? Fraction(r, s.RequestsLastMinute) : 1.0;
        var tpm = d.Tpm is { } t ? Fraction(t, s.TokensLastMinute) : 1.0;
        return Math.Min(rpm, tpm);
    }

    // A limit of 0 (or less) leaves no headroom rather than dividing by zero.
    private static double Fraction(double limit, double used) =>
        limit <= 0 ? 0 : Math.Max(0, limit - used) / limit;
}
