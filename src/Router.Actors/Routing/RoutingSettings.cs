using Router.Actors.Strategies;

namespace Router.Actors.Routing;

/// <summary>How routers make decisions.</summary>
public sealed record RoutingSettings
{
    /// <summary>Lease lifetime when the request does not give one: the longest a request may hold an endpoint.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a router waits for one endpoint's answer before trying the next.</summary>
    public TimeSpan AcquireTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Endpoints asked per decision at most, when the first ones refuse.</summary>
    public int MaxAcquireAttempts { get; init; } = 3;

    /// <summary>
    /// Whether a router grants a lease itself, without asking the endpoint's actor on another node, when that actor has
    /// nothing to decide: no in-flight cap, no rpm or tpm limit, available fencing, breaker closed, not drained. The actor
    /// still counts the lease (told in a batch).
    /// </summary>
    public bool LocalGrants { get; init; } = true;

    /// <summary>
    /// Whether a node borrows from capped endpoints whose actors live on other nodes, and grants requests on what they
    /// lent without a round trip: spare leases for an in-flight cap (see <c>SpareLeasePool</c>), rpm/tpm budget for a
    /// rate limit (<c>RateAllowancePool</c>). Lent only in the lower half of each limit, and only where the actor would
    /// have nothing else to decide; every spare is a slot the actor counts, renewed and fenced like any lease, and lent
    /// budget counts as used until it is used or given back.
    /// </summary>
    public bool SpareLeases { get; init; } = true;

    /// <summary>How long a spare lease may wait unused before it is given back (its slot is then free for others).</summary>
    public TimeSpan SpareIdleTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long lease activity for endpoints on other nodes is held before it is sent, batched per node.</summary>
    public TimeSpan ActivityBatchInterval { get; init; } = TimeSpan.FromMilliseconds(5);

    public StrategySettings Strategy { get; init; } = StrategySettings.Default;
}
