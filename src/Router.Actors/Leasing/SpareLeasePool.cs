using Router.Messages.Endpoints;

namespace Router.Actors.Leasing;

/// <summary>
/// The spare leases capped endpoints on other nodes lent this node (<see cref="SpareLeases"/>), idle, by endpoint. A
/// router takes one for a request instead of a round trip to the endpoint's actor; the caller's release puts it back
/// for the next. Each spare is a slot its endpoint counts and a lease this node's <see cref="LeaseBook"/> renews, so
/// revoking it (this node cut off) aborts the request on it, exactly as for any lease. Asks for more, through the
/// <see cref="LeaseActivityOutbox"/>, as it runs low; gives back what waits unused, and everything idle when the endpoint
/// recalls its spares (it is getting busy). Used from routers, request threads and the relay, so each endpoint's part is locked.
/// </summary>
public sealed class SpareLeasePool(LeaseBook book, LeaseActivityOutbox outbox, TimeProvider clock)
{
    /// <summary>How long after a recall this node neither asks for spares nor keeps one a request ends on.</summary>
    private static readonly TimeSpan RecallHolds = TimeSpan.FromSeconds(1);

    /// <summary>How long an ask for spares may go unanswered before this node asks again (the endpoint may lend none).</summary>
    private static readonly TimeSpan AskAgainAfter = TimeSpan.FromMilliseconds(50);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, EndpointSpares> _byEndpoint = new(StringComparer.Ordinal);

    private sealed class EndpointSpares
    {
        /// <summary>Idle spares, the most recently used last: the first ones are those waiting longest.</summary>
        public readonly List<(string LeaseId, DateTimeOffset ExpiresAt, long IdleSince)> Idle = [];
        public int InUse;
        public long AskedAt;
        public long RecalledAt;
        /// <summary>When a new incarnation of the endpoint last asked this node what it holds there.</summary>
        public long QueriedAt;
    }

    /// <summary>
    /// A spare for a request on <paramref name="endpointId"/> that ends by <paramref name="needUntil"/>; asks for more
    /// when none or few are left. False when there is none that may carry it: the router asks the endpoint instead.
    /// </summary>
    /// <param name="validity">How recently a spare must have been confirmed by its endpoint to carry a new request.</param>
    public bool TryTake(string endpointId, DateTimeOffset needUntil, TimeSpan validity, out string leaseId)
    {
        var spares = _byEndpoint.GetOrAdd(endpointId, _ => new EndpointSpares());
        List<string>? unusable = null;
        var taken = false;
        leaseId = "";
        lock (spares)
        {
            while (spares.Idle.Count > 0)
            {
                var (id, _, _) = spares.Idle[^1];
                spares.Idle.RemoveAt(spares.Idle.Count - 1);
                if (book.IsUsableSpare(id, needUntil, validity))
                {
                    leaseId = id;
                    spares.InUse++;
                    taken = true;
                    break;
                }
                (unusable ??= []).Add(id);
            }
        }
        foreach (var id in unusable ?? []) GiveBack(endpointId, id);
        if (!taken || IdleCount(spares) == 0) AskForMore(endpointId, spares);
        return taken;
    }

    /// <summary>Whether a request that ends on one of this endpoint's spares keeps it (false just after a recall).</summary>
    public bool Keeps(string endpointId) =>
        !_byEndpoint.TryGetValue(endpointId, out var spares) || !RecentlyRecalled(spares);

    /// <summary>The request on a spare ended and this node keeps it: idle again, the first in line for the next request.</summary>
    public void PutBack(string endpointId, string leaseId, DateTimeOffset expiresAt)
    {
        var spares = _byEndpoint.GetOrAdd(endpointId, _ => new EndpointSpares());
        lock (spares)
        {
            spares.InUse = Math.Max(0, spares.InUse - 1);
            spares.Idle.Add((leaseId, expiresAt, clock.GetTimestamp()));
        }
    }

    /// <summary>A request on a spare ended and the spare went back to its endpoint (not kept).</summary>
    public void Retired(string endpointId)
    {
        if (!_byEndpoint.TryGetValue(endpointId, out var spares)) return;
        lock (spares) spares.InUse = Math.Max(0, spares.InUse - 1);
    }

    /// <summary>An endpoint's answer: spares lent to this node, or a recall of the idle ones.</summary>
    public void Receive(SpareLeases answer)
    {
        var spares = _byEndpoint.GetOrAdd(answer.EndpointId, _ => new EndpointSpares());
        if (answer.Recall)
        {
            List<(string LeaseId, DateTimeOffset, long)> idle;
            lock (spares)
            {
                spares.RecalledAt = clock.GetTimestamp();
                idle = [.. spares.Idle];
                spares.Idle.Clear();
            }
            foreach (var (id, _, _) in idle) GiveBack(answer.EndpointId, id);
            return;
        }
        lock (spares)
        {
            if (spares.QueriedAt != 0 && answer.AskedAt < spares.QueriedAt)
            {
                // Asked for before a new incarnation took the statement of what this node holds: perhaps lent by the one
                // before, and then unknown to the one now counting. Never used; given back (unknown ids are ignored there).
                foreach (var id in answer.Lent) outbox.SpareReturned(answer.EndpointId, id);
                return;
            }
            // Under the lock, so a statement taken after Queried either lists these or they were refused above. Lent
            // after this node asked (the answer echoes when): confirmed as of the ask, never later than the endpoint's record.
            book.AddSpares(answer.EndpointId, answer.Lent, answer.ExpiresAt, answer.AskedAt);
            var now = clock.GetTimestamp();
            foreach (var id in answer.Lent) spares.Idle.Add((id, answer.ExpiresAt, now));
        }
    }

    /// <summary>
    /// Gives back the spares that waited unused longer than <paramref name="idleTimeout"/>, or that could no longer carry a
    /// request of <paramref name="longestLease"/>: their slots are better free for other nodes. Called every renewal round.
    /// </summary>
    public void GiveBackUnused(TimeSpan idleTimeout, TimeSpan longestLease)
    {
        var now = clock.GetUtcNow();
        foreach (var (endpointId, spares) in _byEndpoint)
        {
            List<string>? stale = null;
            lock (spares)
                spares.Idle.RemoveAll(spare =>
                {
                    var unused = clock.GetElapsedTime(spare.IdleSince) >= idleTimeout || spare.ExpiresAt < now + longestLease;
                    if (unused) (stale ??= []).Add(spare.LeaseId);
                    return unused;
                });
            foreach (var id in stale ?? []) GiveBack(endpointId, id);
        }
    }

    /// <summary>A new incarnation of the endpoint asks what this node holds: spares asked for before now are not taken.</summary>
    public void Queried(string endpointId)
    {
        var spares = _byEndpoint.GetOrAdd(endpointId, _ => new EndpointSpares());
        lock (spares) spares.QueriedAt = clock.GetTimestamp();
    }

    /// <summary>Gives back every idle spare (this node is stopping).</summary>
    public void GiveBackAll() => GiveBackUnused(TimeSpan.Zero, TimeSpan.Zero);

    /// <summary>Idle spares per endpoint, for tests and admin.</summary>
    public int IdleOn(string endpointId) => _byEndpoint.TryGetValue(endpointId, out var spares) ? IdleCount(spares) : 0;

    private static int IdleCount(EndpointSpares spares)
    {
        lock (spares) return spares.Idle.Count;
    }

    private bool RecentlyRecalled(EndpointSpares spares) =>
        spares.RecalledAt != 0 && clock.GetElapsedTime(spares.RecalledAt) < RecallHolds;

    private void GiveBack(string endpointId, string leaseId)
    {
        if (book.DropIdleSpare(leaseId)) outbox.SpareReturned(endpointId, leaseId);
    }

    /// <summary>Asks for as many spares as are in use (at least two), so a busy node's pool doubles until it suffices.</summary>
    private void AskForMore(string endpointId, EndpointSpares spares)
    {
        int wanted;
        lock (spares)
        {
            if (RecentlyRecalled(spares) || spares.AskedAt != 0 && clock.GetElapsedTime(spares.AskedAt) < AskAgainAfter) return;
            spares.AskedAt = clock.GetTimestamp();
            wanted = Math.Max(2, spares.InUse);
        }
        outbox.WantSpares(endpointId, wanted, spares.AskedAt);
    }
}
