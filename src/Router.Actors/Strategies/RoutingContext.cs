using Router.Messages.Routing;

namespace Router.Actors.Strategies;

/// <summary>Everything a strategy may look at besides the candidates.</summary>
public sealed record RoutingContext(RouteRequest Request, DateTimeOffset Now, IRandomSource Random, StrategySettings Settings);
