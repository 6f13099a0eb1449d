namespace Router.Messages.Routing;

/// <summary>
/// The right to send one request to one endpoint. Release it with <see cref="ReportOutcome"/>;
/// a lease that is never released is reclaimed by the endpoint at <paramref name="ExpiresAt"/>.
/// </summary>
/// <param name="EstimatedTokens">Re-asserted with the lease if the endpoint's actor restarts elsewhere.</param>
public sealed record Lease(
    string LeaseId,
    string EndpointId,
    string ModelGroup,
    string Url,
    DateTimeOffset ExpiresAt,
    int EstimatedTokens = 0) : IRouterMessage;
