namespace Router.Actors.Strategies;

/// <summary>
/// Picks one endpoint among a group's candidates. A strategy is a pure function of the candidates
/// (definitions plus cached snapshots), the request, and the strategy's own state; it never talks to actors.
/// </summary>
/// <remarks>
/// Each router actor creates its own instance per model group, so an instance is only ever called from
/// one thread at a time and may keep mutable state (counters, weights) without locks.
/// The router has already removed endpoints that are drained, cooling down, at their caps, of a
/// higher order tier, or with too small a context window; <paramref name="candidates"/> is never empty.
/// When the picked endpoint refuses the lease, the router calls <see cref="Pick"/> again without it.
/// </remarks>
public interface IRoutingStrategy
{
    /// <summary>The name groups use in configuration, e.g. "least-busy".</summary>
    string Name { get; }

    EndpointCandidate Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context);
}
