using System.Collections.Concurrent;
using Router.Actors.Endpoints;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Leasing;

/// <summary>
/// The holder's side of leases: what this node's callers hold right now, when each was last confirmed by its
/// endpoint, and its revocation. The <see cref="LeaseKeeperActor"/> renews from here, answers a new
/// endpoint incarnation from here, and revokes (aborts the request of) any lease it could not renew in time.
/// Written from request threads (grant, release) and the keeper, so every part is thread-safe.
/// </summary>
public sealed class LeaseBook(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, HeldEntry> _held = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, GrantLog> _grants = new(StringComparer.Ordinal);
    // Releases of strict leases to repeat in renewals, each with the lease's deadline (the endpoint ends it then anyway).
    private readonly ConcurrentDictionary<string, ConcurrentQueue<ReleasedLease>> _released = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HeldCount> _inUse = new(StringComparer.Ordinal);
    // Per endpoint, the last incarnation that asked this node what it holds there, and when (a timestamp).
    private readonly ConcurrentDictionary<string, (long Incarnation, long At)> _queried = new(StringComparer.Ordinal);

    /// <summary>One held lease: a request's, or a spare lent to this node (idle, or carrying a request).</summary>
    internal sealed class HeldEntry(Lease lease, DateTimeOffset grantedAt, long confirmedAt, DateTimeOffset? spareExpiresAt = null, bool inUse = true)
        : LeaseRevocation
    {
        public Lease Lease { get; } = lease;
        public DateTimeOffset GrantedAt { get; } = grantedAt;
        /// <summary>For a spare, the deadline its endpoint gave it (a request on it ends earlier); null otherwise.</summary>
        public DateTimeOffset? SpareExpiresAt { get; } = spareExpiresAt;
        public bool IsSpare => SpareExpiresAt is not null;
        /// <summary>A request runs on it (always, for a lease that is not a spare).</summary>
        public bool InUse { get; } = inUse;
        /// <summary>When (a <see cref="TimeProvider.GetTimestamp"/>) the endpoint last confirmed it: the send time of the
        /// acquire or of the last acknowledged renewal. The lease is safe to use until then plus TTL minus margin.</summary>
        public long ConfirmedAt = confirmedAt;
        public HeldLease ToHeld() => new(Lease.LeaseId, SpareExpiresAt ?? Lease.ExpiresAt, Lease.EstimatedTokens, GrantedAt, IsSpare);
    }

    /// <summary>This node's grants of the last minute on one endpoint, for rebuilding its windows after a move.</summary>
    private sealed class GrantLog
    {
        private readonly SlidingMinuteCounter _requests = new();
        private readonly SlidingMinuteCounter _tokens = new();

        public void Granted(DateTimeOffset at, int tokens)
        {
            lock (this)
            {
                _requests.Add(at, 1);
                _tokens.Add(at, tokens);
            }
        }

        public void Charged(DateTimeOffset grantedAt, long correction, DateTimeOffset now)
        {
            lock (this) _tokens.AddAt(grantedAt, correction, now);
        }

        public List<GrantBucket> Buckets(DateTimeOffset now)
        {
            lock (this)
            {
                var tokens = _tokens.Window(now).ToDictionary(b => b.Second, b => b.Amount);
                return _requests.Window(now)
                    .Select(b => new GrantBucket(b.Second, (int)b.Amount, tokens.GetValueOrDefault(b.Second)))
                    .ToList();
            }
        }
    }

    /// <summary>Leases held, idle spares included (they are renewed like the rest).</summary>
    public int Count => _held.Count;

    /// <summary>Leases a request runs on: what this node's callers hold, without the idle spares.</summary>
    public int InUse => _held.Values.Count(e => e.InUse);

    /// <summary>Records a granted lease; <paramref name="askedAt"/> is when the caller asked for it (a timestamp):
    /// the endpoint granted it later, so the lease is confirmed as of then. Booking a
    /// lease twice keeps the first entry, confirmed as of the earlier time; booking an idle spare puts it into use.</summary>
    public void Add(Lease lease, long askedAt)
    {
        while (true)
        {
            var now = clock.GetUtcNow();
            if (_held.TryGetValue(lease.LeaseId, out var existing))
            {
                if (existing.InUse)
                {
                    LowerConfirmation(existing, askedAt);
                    return;
                }
                // A spare taken into use keeps its confirmation: the endpoint last renewed it then, not when this caller asked.
                var inUse = new HeldEntry(lease, now, Volatile.Read(ref existing.ConfirmedAt), existing.SpareExpiresAt);
                if (!_held.TryUpdate(lease.LeaseId, inUse, existing)) continue;
                Booked(inUse, now);
                return;
            }
            var entry = new HeldEntry(lease, now, askedAt);
            if (!_held.TryAdd(lease.LeaseId, entry)) continue;
            Booked(entry, now);
            return;
        }
    }

    private void Booked(HeldEntry entry, DateTimeOffset now)
    {
        InUseOn(entry.Lease.EndpointId).Changed(1);
        _grants.GetOrAdd(entry.Lease.EndpointId, _ => new GrantLog()).Granted(now, entry.Lease.EstimatedTokens);
    }

    private static void LowerConfirmation(HeldEntry entry, long at)
    {
        var confirmed = Volatile.Read(ref entry.ConfirmedAt);
        while (at < confirmed && Interlocked.CompareExchange(ref entry.ConfirmedAt, at, confirmed) != confirmed)
            confirmed = Volatile.Read(ref entry.ConfirmedAt);
    }

    /// <summary>
    /// How many of this node's requests run on <paramref name="endpointId"/> right now (leases in use, idle spares not
    /// counted): exact, unlike any count that crossed the network. The same object for the node's lifetime, so a router
    /// can keep it with the group's snapshot slots.
    /// </summary>
    public HeldCount InUseOn(string endpointId) => _inUse.GetOrAdd(endpointId, _ => new HeldCount());

    /// <summary>Cancelled when the lease is revoked: the request using it must stop (see <see cref="LeaseKeeperActor"/>).
    /// Already cancelled for a lease this node no longer holds: it was revoked (or released) before the caller asked.</summary>
    public CancellationToken RevocationOf(string leaseId) =>
        _held.TryGetValue(leaseId, out var entry) ? entry.Token : LeaseRevocation.Revoked;

    /// <summary>
    /// Cancels <paramref name="attempt"/> when the lease is revoked, at once if this node no longer holds it. The request's
    /// own source is cancelled, so a lease costs no source of its own; dispose the watch before that source is reused.
    /// </summary>
    public RevocationWatch Watch(string leaseId, CancellationTokenSource attempt)
    {
        _held.TryGetValue(leaseId, out var entry);
        return RevocationWatch.Start(entry is { InUse: true } ? entry : null, attempt);
    }

    /// <summary>The caller released the lease. <paramref name="resend"/>: repeat the release in the next renewal
    /// (strict endpoints, where a lost release would hold the slot until the deadline). <paramref name="keepSpare"/>: a
    /// spare stays held, idle, for the next request. Returns whether it did.</summary>
    public bool Remove(ReportOutcome outcome, bool resend, bool keepSpare = false)
    {
        if (!_held.TryGetValue(outcome.LeaseId, out var entry)) return false;
        var kept = keepSpare && entry.IsSpare;
        if (kept)
        {
            if (!_held.TryUpdate(outcome.LeaseId, Idle(entry), entry)) return false; // revoked (or released) meanwhile
        }
        else if (!_held.TryRemove(outcome.LeaseId, out entry)) return false;
        if (!entry.InUse) return kept; // an idle spare: no request to account for
        InUseOn(entry.Lease.EndpointId).Changed(-1);
        var actual = outcome.PromptTokens + outcome.CompletionTokens;
        if (actual > 0 && _grants.TryGetValue(entry.Lease.EndpointId, out var log))
            log.Charged(entry.GrantedAt, actual - entry.Lease.EstimatedTokens, clock.GetUtcNow());
        if (resend) ReleasedOn(entry.Lease.EndpointId).Enqueue(new ReleasedLease(outcome.LeaseId, entry.Lease.ExpiresAt));
        return kept;
    }

    private static HeldEntry Idle(HeldEntry spare) =>
        new(spare.Lease, spare.GrantedAt, Volatile.Read(ref spare.ConfirmedAt), spare.SpareExpiresAt, inUse: false);

    /// <summary>The deadline of a spare lease this node holds (idle or in use); null for any other lease.</summary>
    public DateTimeOffset? SpareExpiry(string leaseId) => _held.TryGetValue(leaseId, out var entry) ? entry.SpareExpiresAt : null;

    /// <summary>Spare leases an endpoint lent this node, idle; <paramref name="confirmedAt"/> is no later than when they were lent.</summary>
    internal void AddSpares(string endpointId, IEnumerable<string> leaseIds, DateTimeOffset expiresAt, long confirmedAt)
    {
        var now = clock.GetUtcNow();
        foreach (var id in leaseIds)
        {
            var idle = new HeldEntry(new Lease(id, endpointId, "", "", expiresAt), now, confirmedAt, expiresAt, inUse: false);
            // One already carrying a request stays as it is (its count and its revocation with it).
            _held.AddOrUpdate(id, idle, (_, held) => held.InUse ? held : idle);
        }
    }

    /// <summary>Whether an idle spare may carry a request that ends by <paramref name="needUntil"/>: still held (not
    /// revoked), confirmed within <paramref name="validity"/>, and lent long enough.</summary>
    internal bool IsUsableSpare(string leaseId, DateTimeOffset needUntil, TimeSpan validity) =>
        _held.TryGetValue(leaseId, out var entry) && entry is { IsSpare: true, InUse: false } &&
        entry.SpareExpiresAt >= needUntil && clock.GetElapsedTime(Volatile.Read(ref entry.ConfirmedAt)) < validity;

    /// <summary>Forgets an idle spare this node gives back; false when it was not held (revoked meanwhile) or is in use.</summary>
    internal bool DropIdleSpare(string leaseId) =>
        _held.TryGetValue(leaseId, out var entry) && entry is { IsSpare: true, InUse: false } &&
        _held.TryRemove(new KeyValuePair<string, HeldEntry>(leaseId, entry));

    /// <summary>The held leases, by endpoint.</summary>
    internal Dictionary<string, List<HeldEntry>> ByEndpoint()
    {
        var byEndpoint = new Dictionary<string, List<HeldEntry>>(StringComparer.Ordinal);
        foreach (var entry in _held.Values)
        {
            if (!byEndpoint.TryGetValue(entry.Lease.EndpointId, out var list)) byEndpoint[entry.Lease.EndpointId] = list = [];
            list.Add(entry);
        }
        return byEndpoint;
    }

    /// <summary>A release to repeat to its endpoint until a statement carrying it is answered, or until
    /// <paramref name="Until"/>, the lease's deadline.</summary>
    internal readonly record struct ReleasedLease(string LeaseId, DateTimeOffset Until);

    private ConcurrentQueue<ReleasedLease> ReleasedOn(string endpointId) => _released.GetOrAdd(endpointId, _ => new ConcurrentQueue<ReleasedLease>());

    internal IEnumerable<string> EndpointsWithReleases => _released.Where(r => !r.Value.IsEmpty).Select(r => r.Key);

    /// <summary>The releases to state next, but those whose lease is past its deadline (its endpoint has ended it).</summary>
    internal List<ReleasedLease> TakeReleased(string endpointId)
    {
        var taken = new List<ReleasedLease>();
        var now = clock.GetUtcNow();
        if (_released.TryGetValue(endpointId, out var queue))
            while (taken.Count < 10_000 && queue.TryDequeue(out var released))
                if (released.Until > now) taken.Add(released);
        return taken;
    }

    /// <summary>Releases stated in a renewal that went unanswered (lost in a partition, or late): stated again in the next.</summary>
    internal void Unacknowledged(string endpointId, List<ReleasedLease> released)
    {
        var queue = ReleasedOn(endpointId);
        foreach (var lease in released) queue.Enqueue(lease);
    }

    /// <summary>
    /// An incarnation of the endpoint asks what this node holds there: noted before the answer is taken (<see cref="HeldOn"/>),
    /// so a grant of an earlier incarnation booked after it is found by <see cref="MissedByQuery"/>.
    /// </summary>
    internal void Queried(string endpointId, long incarnation)
    {
        _queried[endpointId] = (incarnation, clock.GetTimestamp());
        Interlocked.MemoryBarrier(); // the note is visible before the held leases are read (see MissedByQuery)
    }

    /// <summary>
    /// Books a grant of the endpoint's incarnation <paramref name="grantedBy"/> (0: granted without the endpoint's actor),
    /// as <see cref="Add"/>, unless it may have missed a newer incarnation's query (<see cref="MissedByQuery"/>): then it
    /// is not kept, and false says the caller must give it back (<c>NotUsed</c>) and ask again. The one check for the
    /// grants this node's router books and those a <see cref="Hosting.RouterClient"/> books from another node's router.
    /// </summary>
    internal bool BookUnlessMissed(Lease lease, long grantedBy, long askedAt)
    {
        Add(lease, askedAt);
        if (!MissedByQuery(lease.EndpointId, grantedBy, askedAt)) return true;
        Remove(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.NotUsed), resend: false);
        return false;
    }

    /// <summary>
    /// Whether a grant of incarnation <paramref name="incarnation"/>, just booked, may be missing from this node's answer
    /// to a newer incarnation: that incarnation asked after the grant was asked for (<paramref name="askedAt"/>, a
    /// timestamp), so the grant may have been on its way here while the answer was taken, and the newer incarnation does
    /// not count it. Its request must not run. (A grant booked before the answer was taken is in it; then this errs on
    /// the safe side.)
    /// </summary>
    internal bool MissedByQuery(string endpointId, long incarnation, long askedAt)
    {
        Interlocked.MemoryBarrier(); // the booking is visible before the note is read: one of the two sides sees the other
        return incarnation != 0 && _queried.TryGetValue(endpointId, out var query) && query.Incarnation != 0 &&
               query.Incarnation != incarnation && query.At >= askedAt;
    }

    internal List<HeldLease> HeldOn(string endpointId) =>
        _held.Values.Where(e => e.Lease.EndpointId == endpointId).Select(e => e.ToHeld()).ToList();

    internal List<GrantBucket> RecentGrants(string endpointId) =>
        _grants.TryGetValue(endpointId, out var log) ? log.Buckets(clock.GetUtcNow()) : [];

    /// <summary>The endpoint acknowledged a statement sent at <paramref name="sentAt"/> listing these leases.</summary>
    internal void Confirm(IEnumerable<string> leaseIds, long sentAt)
    {
        foreach (var id in leaseIds)
            if (_held.TryGetValue(id, out var entry) && sentAt > Volatile.Read(ref entry.ConfirmedAt))
                Volatile.Write(ref entry.ConfirmedAt, sentAt);
    }

    /// <summary>Confirms as of <paramref name="at"/> the leases unconfirmed for <paramref name="staleAfter"/> on endpoints
    /// that <paramref name="cutOff"/> names (see the keeper's bridging of cut-off authorities).</summary>
    internal void ConfirmWhere(Func<string, bool> cutOff, long at, TimeSpan staleAfter)
    {
        Dictionary<string, bool>? verdicts = null;
        foreach (var entry in _held.Values)
        {
            var confirmedAt = Volatile.Read(ref entry.ConfirmedAt);
            if (at <= confirmedAt || clock.GetElapsedTime(confirmedAt) < staleAfter) continue;
            verdicts ??= new Dictionary<string, bool>(StringComparer.Ordinal);
            if (!verdicts.TryGetValue(entry.Lease.EndpointId, out var isCutOff))
                verdicts[entry.Lease.EndpointId] = isCutOff = cutOff(entry.Lease.EndpointId);
            if (isCutOff) Confirm([entry.Lease.LeaseId], at);
        }
    }

    /// <summary>Revokes every lease not confirmed within <paramref name="validity"/>; returns them.</summary>
    internal List<HeldEntry> RevokeUnconfirmed(TimeSpan validity)
    {
        var revoked = new List<HeldEntry>();
        foreach (var entry in _held.Values)
            if (clock.GetElapsedTime(Volatile.Read(ref entry.ConfirmedAt)) >= validity && Revoke(entry.Lease.LeaseId) is { } gone)
                revoked.Add(gone);
        return revoked;
    }

    /// <summary>Revokes one lease: forgets it and cancels its token, so the request using it stops.</summary>
    internal HeldEntry? Revoke(string leaseId)
    {
        if (!_held.TryRemove(leaseId, out var entry)) return null;
        if (entry.InUse) InUseOn(entry.Lease.EndpointId).Changed(-1);
        entry.Revoke();
        return entry;
    }
}
