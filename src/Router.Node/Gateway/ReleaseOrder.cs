using Router.Actors.Endpoints;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Node.Gateway;

/// <summary>
/// Whether an attempt's release may be reported after the client has its response instead of before. Reporting is
/// a message to the endpoint's actor, and sending it can wake an idle thread: 12–34 µs at the median on the way out at
/// one connection, 50–100 µs at the 90th percentile (bench/gateway/README.md, "The release after the response"). The
/// release goes first whenever the next request's admission can depend on it, so a client that sends its next request
/// the moment it has this answer finds the slot, the rate window or the provider's budget as this request left them.
/// </summary>
internal static class ReleaseOrder
{
    /// <summary>
    /// True for a success on an endpoint whose actor would grant any request (<see cref="EndpointAdmission.OnlySaysYes"/>:
    /// no cap, no strict slot, not drained, a closed breaker in its last published snapshot, so this success is not a
    /// half-open breaker's probe) and whose provider did not just say, in this response, that it has 0 requests or
    /// tokens left (the actor refuses leases then). A failure or a relayed 4xx goes first too: it may open the breaker
    /// or cool the endpoint down.
    /// </summary>
    public static bool MayFollowResponse(EndpointDefinition? endpoint, OutcomeKind outcome, ProviderRateLimits? providerLimits,
        EndpointSnapshot? lastPublished) =>
        outcome == OutcomeKind.Success
        && endpoint is not null && EndpointAdmission.OnlySaysYes(endpoint, lastPublished)
        && providerLimits is not ({ RemainingRequests: <= 0 } or { RemainingTokens: <= 0 });
}
