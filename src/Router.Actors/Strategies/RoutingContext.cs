using Router.Messages.Routing;

namespace Router.Actors.Strategies;

/// <summary>Everything a strategy may look at besides the candidates.</summary>
public sealed record RoutingContext(RouteRequest Request, DateTimeOffset Now, IRandomSource Random, StrategySettings Settings)
{
    /// <summary>The strategy takes turns in a large group (<see cref="IRoutingStrategy.NextTurn"/>): the candidates are in
    /// group order, those from its turn on, or the whole group when none of those may take the request.</summary>
    public bool InTurn { get; init; }
}
