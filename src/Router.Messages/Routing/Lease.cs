namespace Router.Messages.Routing;

/// <summary>
/// The right to send one request to one endpoint. Release it with <see cref="ReportOutcome"/>;
/// a lease that is never released is reclaimed by the endpoint at <paramref name="ExpiresAt"/>.
/// </summary>
public sealed record Lease(
    string LeaseId,
    string EndpointId,
    string ModelGroup,
    string Url,
    DateTimeOffset ExpiresAt) : IRouterMessage;
