using Router.Actors.Endpoints;
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
/// An actor on this node is still asked: that costs no network trip, and its answer reflects a failure or a drain at
/// once, where a snapshot would show it up to an interval later. (Granting here was tried: it saved 9 us of a 54 us
/// decision at one connection, and let the next request race the report that opened a breaker or exhausted a provider.)
/// </remarks>
internal static class LocalGrants
{
    /// <summary>Uncapped: the router grants the lease itself.</summary>
    public static bool Allowed(RoutingSettings settings, EndpointCandidate pick, LeaseActivityOutbox outbox) =>
        settings.LocalGrants && EndpointAdmission.OnlySaysYes(pick.Definition, pick.Snapshot) && outbox.Batches(pick.Id);

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
        settings.SpareLeases && heldHere && EndpointAdmission.NothingElseToDecide(pick.Definition, pick.Snapshot) && outbox.Batches(pick.Id);
}
