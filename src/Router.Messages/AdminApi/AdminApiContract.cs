using Router.Messages.Endpoints;

namespace Router.Messages.AdminApi;

// The HTTP admin API every node serves (default 127.0.0.1:9110) and the CLI consumes. JSON with web
// defaults (camelCase, enums as strings). Every request needs "Authorization: Bearer <admin token>".
// Errors: non-2xx status with AdminError. These records are the contract; they are not Akka messages.
//
//   GET    /admin/cluster                          -> ClusterView
//   POST   /admin/cluster/leave     AddressRequest (address optional: this node)   -> AdminMessage
//   POST   /admin/cluster/down      AddressRequest (address required)              -> AdminMessage
//   POST   /admin/cluster/down-unreachable                                          -> AdminMessage
//   POST   /admin/cluster/join      AddressRequest (address required)              -> AdminMessage
//   GET    /admin/cluster/events    -> application/x-ndjson stream of MemberEventView, one per line, until the client disconnects
//   GET    /admin/sharding                          -> ShardingView
//   GET    /admin/router/groups                     -> GroupView[]
//   PUT    /admin/router/groups/{group}/strategy  StrategyRequest               -> AdminMessage
//   GET    /admin/router/endpoints?group=g          -> EndpointView[]
//   GET    /admin/router/endpoints/{id}             -> EndpointView
//   POST   /admin/router/endpoints    EndpointDefinition (modelGroup, id, url, weight, maxInFlight, rpm, tpm, order, tags, apiKeyEnv, ...) -> AdminMessage
//   PATCH  /admin/router/endpoints/{id}  EndpointPatch                              -> AdminMessage
//   DELETE /admin/router/endpoints/{id}                                             -> AdminMessage
//   POST   /admin/router/endpoints/{id}/drain                                       -> AdminMessage
//   POST   /admin/router/endpoints/{id}/undrain                                     -> AdminMessage
//   GET    /admin/router/stats                      -> ClusterStatsView (every gateway node's counters, summed)
//   GET    /admin/dashboard/data                    -> DashboardData (what the /dashboard page shows, in one call)

public sealed record AdminError(string Error);

public sealed record AdminMessage(string Message);

public sealed record AddressRequest(string? Address);

public sealed record StrategyRequest(string Strategy);

public sealed record EndpointPatch(int? Weight = null, int? MaxInFlight = null, int? Rpm = null, long? Tpm = null, int? Order = null, IReadOnlyList<string>? Tags = null);

public sealed record ClusterView(string Self, string? Leader, IReadOnlyList<MemberView> Members, IReadOnlyList<string> Unreachable);

public sealed record MemberView(string Address, string Status, IReadOnlyList<string> Roles, bool Reachable, int UpNumber);

public sealed record MemberEventView(DateTimeOffset At, string Event, string Address, string Status);

public sealed record ShardingView(string TypeName, int TotalShards, int TotalEntities, IReadOnlyList<RegionView> Regions);

/// <param name="EndpointIds">The endpoints whose actors live in this region (null from older nodes).</param>
public sealed record RegionView(string Address, int Shards, int Entities, IReadOnlyList<string>? EndpointIds = null);

public sealed record GroupView(string Name, string Strategy, IReadOnlyList<string> Fallbacks, int Endpoints);

/// <summary>An endpoint's settings and its live state. <paramref name="State"/> is "active", "draining" (drained, leases still out), "drained", "cooling-down" or "probing".</summary>
public sealed record EndpointView(EndpointDefinition Definition, EndpointSnapshot Snapshot, string State);

public sealed record GroupStatsView(string Group, long Requests, long Errors, long Retries, long Fallbacks);

/// <summary>
/// Request counters of every gateway node: <paramref name="Groups"/> sums the nodes that answered, <paramref name="Nodes"/>
/// is each of them, and <paramref name="NotAnswered"/> names the gateway members that did not answer in time (their
/// requests are missing from the sums).
/// </summary>
public sealed record ClusterStatsView(IReadOnlyList<GroupStatsView> Groups, IReadOnlyList<NodeStatsView> Nodes, IReadOnlyList<string> NotAnswered);

public sealed record NodeStatsView(string Address, IReadOnlyList<GroupStatsView> Groups);

/// <summary>
/// Everything the dashboard shows, in one answer. <paramref name="SnapshotsCached"/> is true when some endpoint's
/// own actor did not answer in time and this node's pushed copy of its snapshot (at most a few hundred ms old) is shown.
/// </summary>
public sealed record DashboardData(
    DateTimeOffset At, ClusterView Cluster, IReadOnlyList<GroupView> Groups, IReadOnlyList<EndpointView> Endpoints,
    ClusterStatsView Stats, bool SnapshotsCached);
