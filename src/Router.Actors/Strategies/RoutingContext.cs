using Router.Messages.Routing;

namespace Router.Actors.Strategies;

/// <summary>Everything a strategy may look at besides the candidates. A struct: one is made for every decision.</summary>
public readonly record struct RoutingContext(RouteRequest Request, DateTimeOffset Now, IRandomSource Random, StrategySettings Settings)
{
    /// <summary>The candidates are those of the strategy's shortlist (<see cref="IRoutingStrategy.Shortlist"/>) that may take
    /// the request, in its order; false when they are the whole group's.</summary>
    public bool Shortlisted { get; init; }
}
