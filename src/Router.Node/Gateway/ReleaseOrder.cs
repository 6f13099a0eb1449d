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
    /// True for a success on an endpoint that admits on nothing a release changes: no in-flight cap (spare leases and
    /// strict fencing come with one), no rpm or tpm limit (a release corrects the tokens charged), a breaker that was
    /// closed when the endpoint last published (a half-open one admits nothing while its probe is out, and this
    /// success may be the probe that closes it), and a provider that did not just say it has 0 requests or tokens left
    /// (the actor refuses leases then). A failure or a relayed 4xx goes first too: it may open the breaker or cool the
    /// endpoint down.
    /// </summary>
    public static bool MayFollowResponse(EndpointDefinition? endpoint, OutcomeKind outcome, ProviderRateLimits? providerLimits,
        CircuitState lastPublishedCircuit) =>
        outcome == OutcomeKind.Success
        && endpoint is { MaxInFlight: null, Rpm: null, Tpm: null, Fencing: not LeaseFencing.Strict }
        && lastPublishedCircuit == CircuitState.Closed
        && providerLimits is not ({ RemainingRequests: <= 0 } or { RemainingTokens: <= 0 });
}
