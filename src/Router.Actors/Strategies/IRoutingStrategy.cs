using Router.Messages.Endpoints;

namespace Router.Actors.Strategies;

/// <summary>
/// Picks one endpoint among a group's candidates. A strategy is a pure function of the candidates
/// (definitions plus cached snapshots), the request, and the strategy's own state; it never talks to actors.
/// </summary>
/// <remarks>
/// Each node creates one instance per model group, shared by its router pool behind a lock, so an instance is only
/// ever called from one thread at a time and may keep mutable state (counters, weights) without locks.
/// The router has already removed endpoints that are drained, cooling down, of a higher order tier, or with too small a
/// context window, and, when others seem to have room, those its cached counts show at their caps (only the endpoint
/// actor refuses on capacity: cached counts may be stale); <paramref name="candidates"/> is never empty.
/// When the picked endpoint refuses the lease, the router calls <see cref="Pick"/> again without it.
/// </remarks>
public interface IRoutingStrategy
{
    /// <summary>The name groups use in configuration, e.g. "least-busy".</summary>
    string Name { get; }

    /// <summary>The index in <paramref name="candidates"/> of the endpoint to try.</summary>
    /// <returns>
    /// An index from 0 to <c>candidates.Count - 1</c>. An index out of that range (or an exception) makes that one
    /// decision fall back to round-robin, with a warning naming the strategy.
    /// </returns>
    int Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context);

    /// <summary>
    /// True for a strategy that wants the endpoint with the fewest requests in flight. The router then asks the pick to
    /// grant only if, by its own exact count, it is not busier than the least busy alternative looks; otherwise the
    /// pick is ranked again on the count it answered with. Snapshots lag by a gossip interval, and without this every
    /// node's burst of decisions lands on the same endpoint that looked idle.
    /// </summary>
    bool PrefersLeastInFlight => false;

    /// <summary>
    /// True for a strategy that spreads load (least busy, least used, power of two choices): in a large group it is
    /// given a random sample of the candidates (<see cref="Routing.CandidateSelector.SampleSize"/> of them when the group
    /// has more than twice that many), so a decision costs the same at 1,000 endpoints as at 50. The least busy of 32
    /// random endpoints is among the least busy few percent of the group. False (the default) for a strategy that must
    /// see every candidate: one that cycles through them, weighs them, hashes onto them, or wants the best of all (the
    /// cheapest, the fastest).
    /// </summary>
    bool RanksASample => false;

    /// <summary>
    /// For a strategy that only ever picks among the candidates ranked lowest by their definitions alone (cost: the
    /// cheapest), that rank; null (the default) for any other. In a group of more than twice
    /// <see cref="Routing.CandidateSelector.SampleSize"/> endpoints without caps or order tiers, the router then gives it
    /// the candidates of the lowest ranks only, at least as many as a decision may try, so it need not scan the whole
    /// group; a rank shared by very many endpoints is sampled as for <see cref="RanksASample"/>.
    /// </summary>
    Func<EndpointDefinition, double>? RankOf => null;

    /// <summary>
    /// For a group too large to look at whole on every decision (more than twice
    /// <see cref="Routing.CandidateSelector.SampleSize"/> endpoints, all of one order tier): the group positions
    /// (<see cref="EndpointCandidate.Position"/>, indexes into <see cref="GroupView.Endpoints"/>) this decision should
    /// consider, in the order the strategy prefers them, written to <paramref name="shortlist"/> (whose length,
    /// <see cref="Routing.CandidateSelector.SampleSize"/>, is the most there may be); returns how many, or -1 (the default)
    /// to be given the whole group. The router then gives <see cref="Pick"/> those of them that may take the request, in
    /// that order, with <see cref="RoutingContext.Shortlisted"/> set. It gives the whole group instead when none of them
    /// may, when none of them has room by its cached counts while the group has caps, or when every one of them has
    /// recently not answered. The strategy builds what it needs per <see cref="GroupView.Endpoints"/> instance (a weight
    /// table, a ranking), so a decision costs the same at 1,000 endpoints as at 50.
    /// </summary>
    /// <remarks>Called under the same lock as <see cref="Pick"/>; other decisions' shortlists and picks may come between
    /// one decision's shortlist and its pick, so a pick reads the strategy's state as it is then.</remarks>
    int Shortlist(GroupView group, RoutingContext context, Span<int> shortlist) => -1;
}
