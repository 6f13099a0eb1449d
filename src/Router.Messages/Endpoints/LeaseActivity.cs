using Router.Messages.Routing;

namespace Router.Messages.Endpoints;

/// <summary>
/// What one node's callers did with one endpoint in the last few milliseconds, told to its actor in one message instead
/// of one per event: leases the caller's node granted itself (<paramref name="Granted"/>: endpoints with no cap to
/// enforce, see <c>LocalGrants</c>) and leases released (<paramref name="Ended"/>, with their outcomes). Grants are
/// applied before releases, so a request that started and ended within one batch is counted once, then released.
/// Also how a node asks a capped endpoint for spare leases and gives back those it no longer needs (see <see cref="SpareLeases"/>).
/// </summary>
/// <param name="SparesWanted">How many more spare leases the node would like (0: none); answered with <see cref="SpareLeases"/>.</param>
/// <param name="SparesReturned">Idle spare leases the node gives back: their slots are free again.</param>
/// <param name="Holder">The node (address#uid) that sends it: spares are lent to it.</param>
/// <param name="SparesAskedAt">When the node asked for spares or allowance, on its own clock: echoed in the answer.</param>
/// <param name="AllowanceWanted">Requests (and <paramref name="AllowanceTokensWanted"/> tokens) of an rpm/tpm endpoint's
/// budget the node would like to grant itself (0: none); answered with a <see cref="RateAllowance"/> in <see cref="SpareLeases"/>.</param>
/// <param name="AllowanceReturned">Lots (<see cref="RateAllowance.LotId"/>) the node no longer uses: what is left of
/// them is counted no more. Sent after the grants drawn on them, so the endpoint knows what is left.</param>
public sealed record LeaseActivity(
    string EndpointId,
    IReadOnlyList<AcquireLease> Granted,
    IReadOnlyList<ReportOutcome> Ended,
    int SparesWanted = 0,
    IReadOnlyList<string>? SparesReturned = null,
    string? Holder = null,
    long SparesAskedAt = 0,
    int AllowanceWanted = 0,
    long AllowanceTokensWanted = 0,
    IReadOnlyList<string>? AllowanceReturned = null) : IWithEndpointId;

/// <summary>
/// Part of an rpm/tpm endpoint's minute budget lent to one holder node: <paramref name="Requests"/> requests and
/// <paramref name="Tokens"/> estimated tokens the endpoint counted as used when it lent them, so its limits hold exactly
/// while the holder's routers grant requests on them without a round trip. Each use names the lot
/// (<see cref="AcquireLease.AllowanceLot"/>) and moves its share to the second it was used; what is left is given back
/// (or, unused past <paramref name="ExpiresAt"/>, taken back by the endpoint).
/// </summary>
/// <param name="ExpiresAt">After this the endpoint takes back what is left; the holder stops using it earlier.</param>
public sealed record RateAllowance(string LotId, int Requests, long Tokens, DateTimeOffset ExpiresAt);

/// <summary>
/// The lease activity one node sends another in one flush: for every endpoint whose actor it last saw on that node.
/// The receiving node's relay hands each part to its shard region, which forwards it if the actor has moved since.
/// </summary>
public sealed record LeaseActivityBatch(IReadOnlyList<LeaseActivity> Endpoints) : IRouterMessage;

/// <summary>
/// A capped endpoint's actor to one holder node: slots lent to it (<paramref name="Lent"/>, lease ids the endpoint
/// counts against its cap from now on), or, with <paramref name="Recall"/>, a request to give back those it is not
/// using because the endpoint is getting busy. The holder's routers grant requests on a spare lease without a round
/// trip and report each use in its <see cref="LeaseActivity"/>; the lease is renewed and fenced like any other, so a
/// cap holds exactly whoever uses the slot.
/// </summary>
/// <param name="Holder">The holder node (address#uid) the answer is for.</param>
/// <param name="ExpiresAt">The lent leases' hard deadline: a holder uses one only for a request that ends before it.</param>
/// <param name="AskedAt">The holder's <see cref="LeaseActivity.SparesAskedAt"/>: the leases count as confirmed from then.</param>
/// <param name="Allowance">Rpm/tpm budget lent with (or instead of) spare leases, when the holder asked for some.</param>
public sealed record SpareLeases(
    string EndpointId,
    string Holder,
    IReadOnlyList<string> Lent,
    DateTimeOffset ExpiresAt,
    long AskedAt = 0,
    bool Recall = false,
    RateAllowance? Allowance = null) : IRouterMessage;

/// <summary>The <see cref="SpareLeases"/> answers one node's endpoint actors have for another node, in one message.</summary>
public sealed record SpareLeasesBatch(IReadOnlyList<SpareLeases> Answers) : IRouterMessage;
