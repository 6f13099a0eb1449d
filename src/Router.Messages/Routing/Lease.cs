namespace Router.Messages.Routing;

/// <summary>
/// The right to send one request to one endpoint. Release it with <see cref="ReportOutcome"/>;
/// a lease that is never released is reclaimed by the endpoint at <paramref name="ExpiresAt"/>.
/// </summary>
/// <param name="Incarnation">The endpoint actor incarnation that granted it; when the endpoint's shard moves,
/// holders re-assert their leases to the new incarnation.</param>
public sealed record Lease(
    string LeaseId,
    string EndpointId,
    string ModelGroup,
    string Url,
    DateTimeOffset ExpiresAt,
    long Incarnation = 0,
    int EstimatedTokens = 0) : IRouterMessage;
