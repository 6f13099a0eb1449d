using Router.Messages.Routing;

namespace Router.Messages.Endpoints;

/// <summary>
/// What one node's callers did with one endpoint in the last few milliseconds, told to its actor in one message instead
/// of one per event: leases the caller's node granted itself (<paramref name="Granted"/>: endpoints with no cap to
/// enforce, see <c>LocalGrants</c>) and leases released (<paramref name="Ended"/>, with their outcomes). Grants are
/// applied before releases, so a request that started and ended within one batch is counted once, then released.
/// </summary>
public sealed record LeaseActivity(
    string EndpointId,
    IReadOnlyList<AcquireLease> Granted,
    IReadOnlyList<ReportOutcome> Ended) : IWithEndpointId;

/// <summary>
/// The lease activity one node sends another in one flush: for every endpoint whose actor it last saw on that node.
/// The receiving node's relay hands each part to its shard region, which forwards it if the actor has moved since.
/// </summary>
public sealed record LeaseActivityBatch(IReadOnlyList<LeaseActivity> Endpoints) : IRouterMessage;
