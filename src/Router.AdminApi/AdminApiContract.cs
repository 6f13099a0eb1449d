namespace Router.AdminApi;

// The HTTP admin API every node serves (default 127.0.0.1:9110) and the CLI consumes. JSON with web
// defaults (camelCase, enums as strings). Every request needs "Authorization: Bearer <admin token>".
// Errors: non-2xx status with AdminError. These records are the contract; they are not Akka messages, and this project
// references no Akka package (routerctl depends on it alone).
//
// Reads answer within their deadline with what the node knows: a silent endpoint, region or node is marked in the answer
// (EndpointView.Freshness and .NotAnswered, ShardingView.NotAnswered, ClusterStatsView.NotAnswered), never a 504 for the
// whole listing; routerctl warns about any notAnswered list in an answer.
// Writes either land (200) or change nothing: 503 when this node has no majority or cannot reach the registry, 504 when the
// registry did not answer in time (the command carries a deadline after which the registry refuses it).
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
//   POST   /admin/router/endpoints    EndpointDefinitionDto (modelGroup, id, url, weight, maxInFlight, rpm, tpm, order, tags, apiKeyEnv, ...) -> AdminMessage
//   PATCH  /admin/router/endpoints/{id}  UpdateEndpointRequest                              -> AdminMessage
//   DELETE /admin/router/endpoints/{id}                                             -> AdminMessage
//   POST   /admin/router/endpoints/{id}/drain                                       -> AdminMessage
//   POST   /admin/router/endpoints/{id}/undrain                                     -> AdminMessage
//   GET    /admin/router/stats                      -> ClusterStatsView (every gateway node's counters, summed)
//   GET    /admin/dashboard/data                    -> DashboardData (what the /dashboard page shows, in one call)

public sealed record AdminError(string Error);

public sealed record AdminMessage(string Message);

public sealed record AddressRequest(string? Address);

public sealed record StrategyRequest(string Strategy);

public sealed record UpdateEndpointRequest(int? Weight = null, int? MaxInFlight = null, int? Rpm = null, long? Tpm = null, int? Order = null, IReadOnlyList<string>? Tags = null);

/// <summary>
/// Membership as this node sees it. <paramref name="UnreachableMembers"/> details each member some node cannot reach (who
/// observed it, since when this node knows); <paramref name="Resolver"/> is the split-brain resolver's configuration and,
/// while members are unreachable, what it will decide from this node's view and when. Both null from older nodes.
/// </summary>
public sealed record ClusterView(
    string Self, string? Leader, IReadOnlyList<MemberView> Members, IReadOnlyList<string> Unreachable,
    IReadOnlyList<UnreachableMemberView>? UnreachableMembers = null, ResolverView? Resolver = null);

/// <param name="ObservedBy">The members whose failure detector marked it unreachable (null when this Akka version does not say).</param>
/// <param name="UnreachableSince">When this node learnt it was unreachable (null: before this node's admin started watching).</param>
public sealed record UnreachableMemberView(string Address, string Status, IReadOnlyList<string> Roles, IReadOnlyList<string>? ObservedBy, DateTimeOffset? UnreachableSince);

/// <summary>
/// The split-brain resolver as configured, and its state as far as this node can derive it (Akka does not publish the
/// resolver's internals): it acts once membership and reachability have been stable for <paramref name="StableAfterSeconds"/>.
/// </summary>
/// <param name="Strategy">The downing strategy, e.g. keep-majority.</param>
/// <param name="Role">The only role whose members count toward the majority (null: every member counts).</param>
/// <param name="State">"stable" (every member reachable), "waiting" (unreachable members; the countdown runs) or "due" (the
/// countdown has run out: the leader of the surviving side downs at its next tick).</param>
/// <param name="DecisionInSeconds">Estimated seconds until the resolver decides, from the last membership or reachability change this node saw.</param>
/// <param name="UnstableSince">When the current run of changes began (with <paramref name="DownAllWhenUnstableSeconds"/>: if it never settles, every member is downed).</param>
/// <param name="Decision">What keep-majority decides from this node's view, in words.</param>
/// <param name="DecidedBy">The leader of this side, which carries the decision out.</param>
/// <param name="WillDown">The members this side's decision downs.</param>
/// <param name="Downing">Members already marked down and not yet removed.</param>
public sealed record ResolverView(
    string Strategy, string? Role, double StableAfterSeconds, double? DownAllWhenUnstableSeconds, string State,
    double? DecisionInSeconds, DateTimeOffset? UnstableSince, string? Decision, string? DecidedBy,
    IReadOnlyList<string> WillDown, IReadOnlyList<string> Downing);

public sealed record MemberView(string Address, string Status, IReadOnlyList<string> Roles, bool Reachable, int UpNumber);

public sealed record MemberEventView(DateTimeOffset At, string Event, string Address, string Status);

/// <param name="NotAnswered">Gateways whose region did not answer in time or that are unreachable: their shards are missing from the totals (null from older nodes).</param>
public sealed record ShardingView(string TypeName, int TotalShards, int TotalEntities, IReadOnlyList<RegionView> Regions, IReadOnlyList<string>? NotAnswered = null);

/// <param name="EndpointIds">The endpoints whose actors live in this region (null from older nodes, and when the region did not answer).</param>
/// <param name="Answered">False when the region did not answer within the deadline or its node is unreachable: the counts are unknown (0).</param>
/// <param name="Note">Why it did not answer.</param>
public sealed record RegionView(string Address, int Shards, int Entities, IReadOnlyList<string>? EndpointIds = null, bool Answered = true, string? Note = null);

public sealed record GroupView(string Name, string Strategy, IReadOnlyList<string> Fallbacks, int Endpoints);

/// <summary>An endpoint's settings and its state. <paramref name="State"/> is "active", "draining" (drained, leases still out), "drained", "cooling-down" or "probing".</summary>
/// <param name="Freshness">"live" (its actor answered within the deadline), "stale" (it did not, though its node is reachable: busy,
/// frozen, its shard moving) or "unreachable" (its node is unreachable from the answering node); the last two show the answering
/// node's last pushed snapshot.</param>
/// <param name="AgeSeconds">How old <paramref name="Snapshot"/> is (by the endpoint node's clock); null when no snapshot is known.</param>
/// <param name="Node">The node its actor answered from, or was last heard from.</param>
/// <param name="Note">Why the state is not live.</param>
/// <param name="NotAnswered">This endpoint's id when its actor did not answer in time (null when live): the partial-answer mark
/// every admin view shares (as <see cref="ClusterStatsView.NotAnswered"/>), which routerctl turns into one warning line.</param>
public sealed record EndpointView(
    EndpointDefinitionDto Definition, EndpointSnapshotDto Snapshot, string State,
    string Freshness = "live", double? AgeSeconds = null, string? Node = null, string? Note = null, IReadOnlyList<string>? NotAnswered = null);

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
/// own actor did not answer in time and this node's pushed copy of its snapshot is shown (marked in its <see cref="EndpointView.Freshness"/>).
/// </summary>
public sealed record DashboardData(
    DateTimeOffset At, ClusterView Cluster, IReadOnlyList<GroupView> Groups, IReadOnlyList<EndpointView> Endpoints,
    ClusterStatsView Stats, bool SnapshotsCached);
