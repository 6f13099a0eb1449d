namespace Router.Actors.Strategies;

/// <summary>A strategy added to a container with <c>AddRoutingStrategy&lt;T&gt;(name)</c>; read by <see cref="StrategyRegistry.RegisterServices"/>.</summary>
public sealed record RoutingStrategyRegistration(string Name, Type StrategyType);
