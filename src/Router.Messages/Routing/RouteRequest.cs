namespace Router.Messages.Routing;

/// <summary>
/// Asks a node's router for a lease on one endpoint of <paramref name="ModelGroup"/>.
/// Answered with <see cref="LeaseGranted"/> or <see cref="NoEndpointAvailable"/>.
/// </summary>
/// <param name="ModelGroup">The model name clients use, e.g. "gpt-4o".</param>
/// <param name="RequestId">Caller's id for the request, echoed in logs.</param>
/// <param name="SessionKey">Keeps a conversation on one endpoint when the group uses session affinity.</param>
/// <param name="EstimatedInputTokens">Used for context-window filtering and tpm accounting.</param>
/// <param name="Tags">Only endpoints carrying every one of these tags are candidates.</param>
/// <param name="ExcludeEndpoints">Endpoints already tried for this request (retries).</param>
/// <param name="Stream">Streaming requests are ranked by time to first token.</param>
/// <param name="Holder">The unique address (address#uid) of the node that will hold and renew the lease; set by
/// <c>RouterClient</c>. Null: the router's own node.</param>
/// <param name="LeaseDuration">How long the lease may be held before the endpoint reclaims it; null uses the router's default.</param>
public sealed record RouteRequest(
    string ModelGroup,
    string RequestId,
    string? SessionKey = null,
    int EstimatedInputTokens = 0,
    IReadOnlyList<string>? Tags = null,
    IReadOnlyList<string>? ExcludeEndpoints = null,
    bool Stream = false,
    TimeSpan? LeaseDuration = null,
    string? Holder = null) : IRouterMessage;
