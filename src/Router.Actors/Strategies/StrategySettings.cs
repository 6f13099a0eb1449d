namespace Router.Actors.Strategies;

/// <summary>Tuning shared by the built-in strategies.</summary>
public sealed record StrategySettings
{
    public static readonly StrategySettings Default = new();

    /// <summary>Latency strategy: endpoints within (1 + buffer) x the best latency are picked at random.</summary>
    public double LatencyBuffer { get; init; } = 0.1;

    /// <summary>Latency strategy: an endpoint with no sample for this long is tried again so it can recover.</summary>
    public TimeSpan LatencyReprobeAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Session affinity: an owner may hold at most this factor x the group's mean in-flight (bounded load).</summary>
    public double SessionLoadFactor { get; init; } = 1.25;
}
