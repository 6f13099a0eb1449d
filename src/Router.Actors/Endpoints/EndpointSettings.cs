namespace Router.Actors.Endpoints;

/// <summary>How every <see cref="EndpointActor"/> measures and protects its endpoint.</summary>
public sealed record EndpointSettings
{
    /// <summary>Samples kept in the latency and time-to-first-token windows.</summary>
    public int LatencyWindowSize { get; init; } = 100;

    /// <summary>Consecutive failures that open the circuit breaker.</summary>
    public int FailureThreshold { get; init; } = 3;

    /// <summary>How long an open breaker keeps requests away before one probe is let through.</summary>
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Changes are coalesced and pushed to every node's router cache at most this often.</summary>
    public TimeSpan SnapshotInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often expired leases are reclaimed (they are also reclaimed on every acquire).</summary>
    public TimeSpan LeaseSweepInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a starting endpoint actor waits for members to report the leases they hold before granting.</summary>
    public TimeSpan HeldLeaseCollectionTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Retry hint given when an endpoint is at its in-flight cap.</summary>
    public TimeSpan CapacityRetryHint { get; init; } = TimeSpan.FromMilliseconds(250);
}
