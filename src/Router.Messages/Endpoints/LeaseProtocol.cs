namespace Router.Messages.Endpoints;

/// <summary>Router to endpoint: grant one lease or refuse, atomically against the endpoint's caps.</summary>
/// <param name="Duration">How long the lease lives unless released; reclaimed after.</param>
/// <param name="Holder">Cluster address of the node whose caller holds the lease: its leases are dropped
/// when that node is removed from the cluster, so a crashed gateway never keeps capacity.</param>
/// <param name="GrantBelowInFlight">When set, grant only while the endpoint's own exact in-flight count is below it, and
/// otherwise refuse with <see cref="LeaseRefusalReason.BusierThanAlternative"/> and the count: a least-busy router ranks
/// on snapshots up to a gossip interval old, and this lets the endpoint's exact count have the last word.</param>
/// <param name="AllowanceLot">A grant the holder's node made itself on rpm/tpm budget the endpoint lent it
/// (<see cref="RateAllowance"/>): the request and its estimated tokens were counted when the lot was lent, and move
/// to the second of this grant.</param>
public sealed record AcquireLease(
    string EndpointId,
    string LeaseId,
    TimeSpan Duration,
    int EstimatedTokens = 0,
    string Holder = "",
    int? GrantBelowInFlight = null,
    string? AllowanceLot = null) : IWithEndpointId;

/// <summary>Kept small (no full snapshot): it crosses the network once per routing decision.</summary>
/// <param name="Incarnation">With <paramref name="Sequence"/>, places <paramref name="InFlight"/> among the endpoint's
/// snapshots, so a router does not let an older snapshot that arrives later undo it.</param>
public sealed record LeaseAcquired(
    string EndpointId,
    string LeaseId,
    DateTimeOffset ExpiresAt,
    int InFlight,
    long Incarnation = 0,
    long Sequence = 0) : IRouterMessage;

public sealed record LeaseRefused(
    string EndpointId,
    string LeaseId,
    LeaseRefusalReason Reason,
    TimeSpan? RetryAfter,
    EndpointSnapshot Snapshot) : IRouterMessage;

public enum LeaseRefusalReason
{
    /// <summary>The endpoint is not in this node's directory (yet).</summary>
    UnknownEndpoint,
    AtCapacity,
    RateLimited,
    TokenLimited,
    CoolingDown,
    /// <summary>Half-open breaker: its single probe request is already out.</summary>
    ProbeInFlight,
    Drained,
    /// <summary>The provider's own rate-limit headers said 0 requests or tokens remain, and its reset has not come yet.</summary>
    ProviderExhausted,
    /// <summary>The endpoint's node cannot reach a majority of the gateways: it may no longer be the authority.</summary>
    NoQuorum,
    /// <summary>Not a failure: the endpoint has at least <see cref="AcquireLease.GrantBelowInFlight"/> in flight, so
    /// another endpoint the router saw is less busy. The refusal's snapshot carries the exact count to rank on.</summary>
    BusierThanAlternative,
}

/// <summary>
/// A new incarnation of an endpoint actor (its shard moved, or the cluster started) asks every member which
/// of its leases on the endpoint are still out, before granting any: caps hold exactly across a move.
/// Each member's lease keeper answers with <see cref="RenewLeases"/>, including the grants of the last minute.
/// </summary>
/// <param name="Incarnation">The asking incarnation, echoed in the answer (<see cref="RenewLeases.Answers"/>).</param>
public sealed record QueryHeldLeases(string EndpointId, long Incarnation = 0) : IRouterMessage;

/// <summary>
/// A holder node's statement to an endpoint, sent every renewal interval while its callers hold leases there and
/// in answer to <see cref="QueryHeldLeases"/>. It renews every lease in <paramref name="Held"/> (a lease not
/// renewed within the lease TTL is reclaimed on endpoints with available fencing), re-asserts them to a new
/// incarnation, and carries releases again (<paramref name="Released"/>: a release is a tell and may be lost).
/// Answered with <see cref="LeasesRenewed"/>.
/// </summary>
/// <param name="Holder">The holder node's unique address (address#uid): a restarted node is another holder.</param>
/// <param name="Round">The holder's sequence number for this statement, echoed in the answer.</param>
/// <param name="RecentGrants">Only in answers to <see cref="QueryHeldLeases"/>: every grant this holder received
/// from the endpoint in the last minute, so a new incarnation rebuilds its rpm and tpm windows.</param>
/// <param name="LastKnown">Only in answers to <see cref="QueryHeldLeases"/>: the newest snapshot of the endpoint this
/// node has (a strict endpoint replicates every grant before giving it), so the new incarnation takes over the newest.</param>
/// <param name="Answers">Only in answers to <see cref="QueryHeldLeases"/>: the incarnation that asked. Only its own answer
/// tells a new incarnation everything a holder holds: a renewal, or an answer to an earlier incarnation, may have left
/// before that one's last grant reached the holder, and can reach the new one through the hand-off.</param>
public sealed record RenewLeases(
    string EndpointId,
    string Holder,
    long Round,
    IReadOnlyList<HeldLease> Held,
    IReadOnlyList<string>? Released = null,
    IReadOnlyList<GrantBucket>? RecentGrants = null,
    EndpointSnapshot? LastKnown = null,
    long? Answers = null) : IWithEndpointId;

/// <summary>
/// The endpoint's answer to <see cref="RenewLeases"/>: the round is recorded. <paramref name="Unknown"/> are leases
/// of the statement the endpoint no longer counts (reclaimed, or beyond its cap after a move): their requests
/// must stop at once.
/// </summary>
/// <param name="Holder">The statement's holder, so a relay that carried the statement can carry the answer back to it.</param>
public sealed record LeasesRenewed(string EndpointId, long Round, IReadOnlyList<string> Unknown, string? Holder = null) : IRouterMessage;

/// <summary>
/// One holder node's renewal statements for every endpoint whose actor lives on one node, in one message per node pair
/// per renewal round (not one per endpoint): the relay there hands each to its endpoint and batches the answers back in
/// a <see cref="LeasesRenewedBatch"/>.
/// </summary>
public sealed record RenewLeasesBatch(IReadOnlyList<RenewLeases> Statements) : IRouterMessage;

/// <summary>The answers to the statements of <see cref="RenewLeasesBatch"/>es, batched per holder node.</summary>
public sealed record LeasesRenewedBatch(IReadOnlyList<LeasesRenewed> Answers) : IRouterMessage;

/// <param name="ExpiresAt">The lease's hard deadline: the request's own deadline.</param>
/// <param name="Spare">A spare lease lent to the holder (<see cref="SpareLeases"/>): a new incarnation keeps it lent.</param>
public sealed record HeldLease(string LeaseId, DateTimeOffset ExpiresAt, int EstimatedTokens, DateTimeOffset GrantedAt, bool Spare = false);

/// <summary>The grants a holder received in the second starting at <paramref name="Second"/>, and the tokens they were finally charged.</summary>
public sealed record GrantBucket(DateTimeOffset Second, int Requests, long Tokens);

/// <summary>
/// A strict endpoint's actor to every other gateway's snapshot exchange, before it gives a lease: this snapshot (with
/// the lease's holder in it) must survive the actor's node, so a successor knows the slot is taken. Answered with
/// <see cref="SnapshotReplicated"/>.
/// </summary>
public sealed record ReplicateSnapshot(EndpointSnapshot Snapshot) : IRouterMessage;

/// <summary>A snapshot exchange's confirmation of <see cref="ReplicateSnapshot"/>: it holds that incarnation's snapshot up to
/// <paramref name="Sequence"/> (the endpoint's actor is the only receiver, so no endpoint id).</summary>
/// <param name="Incarnation">Whose snapshot: sequences restart with each incarnation, so an actor that restarted in place
/// (same actor reference) must not take the previous incarnation's confirmation as one of its own.</param>
public sealed record SnapshotReplicated(long Incarnation, long Sequence) : IRouterMessage;
