namespace Router.Actors.Strategies;

/// <summary>
/// Picks the endpoint with the most rate-limit headroom left in the current minute: the smaller of its
/// rpm and tpm headroom, as a fraction of the limit, so endpoints with different limits compare fairly.
/// When the provider reports its own remaining figures (<c>x-ratelimit-remaining-*</c>), they count too: as a
/// fraction of the provider's limit (or the configured one when the provider sends none).
/// </summary>
public sealed class UsageStrategy : IRoutingStrategy
{
    public const string StrategyName = "usage";

    public string Name => StrategyName;

    public bool RanksASample => true;

    public int Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context)
    {
        // One pass: best headroom, then fewer in flight, then a reservoir draw among the complete ties.
        var best = 0;
        var bestHeadroom = Headroom(candidates[0]);
        var bestInFlight = candidates[0].InFlight;
        var ties = 1;
        for (var i = 1; i < candidates.Count; i++)
        {
            var headroom = Headroom(candidates[i]);
            var inFlight = candidates[i].InFlight;
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

        return best;
    }

    /// <summary>Fraction of the limit still free, in [0, 1]; 1 when unlimited.</summary>
    internal static double Headroom(EndpointCandidate candidate)
    {
        var d = candidate.Definition;
        var s = candidate.Snapshot;
        var rpm = d.Rpm is { } r ? Fraction(r, s.RequestsLastMinute) : 1.0;
        var tpm = d.Tpm is { } t ? Fraction(t, s.TokensLastMinute) : 1.0;
        var providerRequests = ProviderFraction(s.ProviderRemainingRequests, s.ProviderLimitRequests ?? d.Rpm);
        var providerTokens = ProviderFraction(s.ProviderRemainingTokens, s.ProviderLimitTokens ?? d.Tpm);
        return Math.Min(Math.Min(rpm, tpm), Math.Min(providerRequests, providerTokens));
    }

    /// <summary>The provider's remaining figure as a fraction of its limit; 1 when it said nothing, 0 when it said 0.</summary>
    private static double ProviderFraction(long? remaining, long? limit) => remaining switch
    {
        null => 1.0,
        <= 0 => 0.0,
        { } left when limit is > 0 => Math.Min(1.0, (double)left / limit.Value),
        _ => 1.0, // a positive figure without a limit to compare it with says only "not exhausted"
    };

    // A limit of 0 (or less) leaves no headroom rather than dividing by zero.
    private static double Fraction(double limit, double used) =>
        limit <= 0 ? 0 : Math.Max(0, limit - used) / limit;
}
