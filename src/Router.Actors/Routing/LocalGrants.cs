using Router.Actors.Leasing;
using Router.Actors.Strategies;
using Router.Messages.Endpoints;

namespace Router.Actors.Routing;

/// <summary>
/// When a router may grant a lease without a round trip to the endpoint's actor on another node: when that actor could
/// only say yes. It refuses for a cap (in flight, rpm, tpm), a strict slot, an open or half-open breaker, a drain, or a
/// provider that said it has nothing left: with none of those in play, the round trip buys nothing but its cost. The
/// actor still counts every such lease, told in a batch (<see cref="LeaseActivityOutbox"/>), so in-flight counts,
/// windows and the breaker stay its own. With a cap the actor does decide, but what it lent this node in advance (a
/// spare slot, rpm/tpm budget) may be used without asking again.
/// </summary>
/// <remarks>
/// An uncapped endpoint whose actor runs on this node is granted here too, and its actor is told the grant at once
/// rather than in a batch: asking it cost two more wake-ups of a parked thread on every request (the acquire and its
/// answer), a tenth of a millisecond on the wire at one connection. Its breaker reaches this node's routers as soon as
/// it moves (the actor publishes a change of circuit at once), so an opened breaker stops local grants as asking did.
/// </remarks>
internal static class LocalGrants
{
    /// <summary>Uncapped: the router grants the lease itself, when it knows where the actor to tell runs (<paramref name="actorHere"/>:
    /// on this node).</summary>
    public static bool Allowed(RoutingSettings settings, EndpointCandidate pick, LeaseActivityOutbox outbox, bool actorHere) =>
        settings.LocalGrants && pick.Definition is { MaxInFlight: null, Rpm: null, Tpm: null } && NothingElseToDecide(pick) &&
        (actorHere || outbox.Batches(pick.Id));

    /// <summary>
    /// Capped by in-flight count only: the router may grant on a spare lease the endpoint lent this node
    /// (<see cref="SpareLeasePool"/>): the slot is already counted there. Only for a request this node holds (the spare
    /// is this node's lease to renew and fence). For least-busy too: the pick was ranked on this node's exact count, and
    /// an endpoint lends only in the lower half of its cap, where no busier-than-the-alternative refusal is needed.
    /// </summary>
    public static bool MayUseSpare(RoutingSettings settings, EndpointCandidate pick, LeaseActivityOutbox outbox, bool heldHere) =>
        pick.Definition.MaxInFlight is not null && MayBorrow(settings, pick, outbox, heldHere);

    /// <summary>
    /// With an rpm or tpm limit: the router may grant on budget the endpoint lent this node (<see cref="RateAllowancePool"/>),
    /// counted there when lent. With an in-flight cap as well, the request needs a spare too. Only for a request this
    /// node holds, as for spares.
    /// </summary>
    public static bool MayUseAllowance(RoutingSettings settings, EndpointCandidate pick, LeaseActivityOutbox outbox, bool heldHere) =>
        pick.Definition is not { Rpm: null, Tpm: null } && MayBorrow(settings, pick, outbox, heldHere);

    private static bool MayBorrow(RoutingSettings settings, EndpointCandidate pick, LeaseActivityOutbox outbox, bool heldHere) =>
        settings.SpareLeases && heldHere && NothingElseToDecide(pick) && outbox.Batches(pick.Id);

    private static bool NothingElseToDecide(EndpointCandidate pick)
    {
        var (definition, snapshot) = (pick.Definition, pick.Snapshot);
        return definition is { Fencing: LeaseFencing.Available, Drained: false } &&
               // A snapshot from the actor itself says the breaker is closed; none yet means ask.
               snapshot is { Incarnation: not 0, Circuit: CircuitState.Closed, Drained: false } &&
               snapshot.ProviderRemainingRequests is null or > 0 && snapshot.ProviderRemainingTokens is null or > 0;
    }
}
