namespace Router.Messages.Endpoints;

/// <summary>A model group: the name clients ask for, the strategy that picks among its endpoints, and where to go next.</summary>
/// <param name="Strategy">A built-in strategy name (round-robin, weighted, latency, ...) or a registered custom one.</param>
/// <param name="Fallbacks">Groups tried in order when this group has no endpoint left.</param>
/// <param name="ContextWindowFallbacks">Groups tried when the prompt exceeds every endpoint's context window.</param>
public sealed record ModelGroupDefinition(
    string Name,
    string Strategy = "round-robin",
    IReadOnlyList<string>? Fallbacks = null,
    IReadOnlyList<string>? ContextWindowFallbacks = null) : IRouterMessage;
