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

    public StrategySettings Strategy { get; init; } = StrategySettings.Default;
}
