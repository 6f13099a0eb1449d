namespace Router.Actors.Endpoints;

/// <summary>How every <see cref="EndpointActor"/> measures and protects its endpoint, and how holders keep their leases.</summary>
public sealed record EndpointSettings
{
    /// <summary>Samples kept in the latency and time-to-first-token windows.</summary>
    public int LatencyWindowSize { get; init; } = 100;

    /// <summary>Consecutive failures that open the circuit breaker.</summary>
    public int FailureThreshold { get; init; } = 3;

    /// <summary>How long an open breaker keeps requests away before one probe is let through.</summary>
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest an upstream Retry-After may cool an endpoint down (one 429 must not close it for days).</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Changes are coalesced and pushed to every node's router cache at most this often.</summary>
    public TimeSpan SnapshotInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often expired leases are reclaimed (they are also reclaimed on every acquire).</summary>
    public TimeSpan LeaseSweepInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A lease not renewed for this long is reclaimed by an endpoint with available fencing. Holders renew every
    /// <see cref="RenewInterval"/> and abort a request whose lease they could not renew within
    /// <see cref="LeaseTtl"/> minus <see cref="FencingMargin"/>, so a cut-off gateway has stopped before its slot is re-granted.
    /// </summary>
    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often holders renew their leases (one statement per endpoint they hold leases on).</summary>
    public TimeSpan RenewInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How much earlier than the endpoint a holder gives up an unrenewed lease: covers the time the upstream
    /// takes to notice the aborted connection, and the holder's own check interval.</summary>
    public TimeSpan FencingMargin { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How often a starting endpoint actor asks the members that have not yet told it which leases they hold.</summary>
    public TimeSpan HeldLeaseQueryInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often each gateway checks that it can still reach a majority of the gateways.</summary>
    public TimeSpan QuorumInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long after its last round answered by a majority a node may still grant leases. Must stay well below
    /// failure detection plus the split-brain resolver's stable-after, so an old incarnation has stopped before a new
    /// one starts elsewhere.
    /// </summary>
    public TimeSpan AuthorityTtl { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Retry hint given when an endpoint is at its in-flight cap.</summary>
    public TimeSpan CapacityRetryHint { get; init; } = TimeSpan.FromMilliseconds(250);
}
