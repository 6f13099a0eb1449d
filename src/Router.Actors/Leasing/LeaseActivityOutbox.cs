using Akka.Actor;
using Router.Actors.Hosting;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Leasing;

/// <summary>
/// This node's lease activity (grants it made itself, releases) for endpoints whose actors live on other nodes, held
/// for a few milliseconds so that one message per node pair carries what would otherwise be one message per event:
/// a remote message costs far more CPU than the event it carries (see bench/cluster). The
/// <see cref="LeaseActivityRelay"/> empties it. Written from request threads and routers, so every part is locked.
/// </summary>
/// <param name="homes">Where each endpoint's actor last answered from (<see cref="Hosting.RouterRuntime"/>'s record).</param>
public sealed class LeaseActivityOutbox(EndpointHomes homes)
{
    private readonly object _lock = new();
    private Dictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private IActorRef? _relay;
    private Address? _self;
    private bool _flushRequested;

    /// <summary>Connects the relay that sends the batches; until then nothing is batched.</summary>
    internal void Attach(IActorRef relay, Address self)
    {
        _self = self;
        _relay = relay;
    }

    /// <summary>Whether activity for <paramref name="endpointId"/> goes through here: its actor was last seen on another
    /// node. (For an actor on this node a message costs little, and an unknown home is asked directly.)</summary>
    public bool Batches(string endpointId) =>
        _relay is not null && homes.TryGetHome(endpointId, out var home) && home != _self;

    /// <summary>One endpoint's activity waiting for the next flush.</summary>
    internal sealed class Pending
    {
        public List<AcquireLease> Granted { get; } = [];
        public List<ReportOutcome> Ended { get; } = [];
        public int SparesWanted { get; set; }
        public long SparesAskedAt { get; set; }
        public List<string>? SparesReturned { get; set; }
        public int AllowanceWanted { get; set; }
        public long AllowanceTokensWanted { get; set; }
        public List<string>? AllowanceReturned { get; set; }
    }

    internal void Granted(AcquireLease grant)
    {
        bool flush;
        lock (_lock)
        {
            PendingFor(grant.EndpointId).Granted.Add(grant);
            flush = FlushNeeded();
        }
        if (flush) RequestFlush();
    }

    internal void Ended(ReportOutcome outcome)
    {
        bool flush;
        lock (_lock)
        {
            PendingFor(outcome.EndpointId).Ended.Add(outcome);
            flush = FlushNeeded();
        }
        if (flush) RequestFlush();
    }

    /// <summary>Asks for spare leases (<see cref="SpareLeasePool"/>); <paramref name="askedAt"/> is a timestamp of this node's clock.</summary>
    internal void WantSpares(string endpointId, int count, long askedAt)
    {
        bool flush;
        lock (_lock)
        {
            var pending = PendingFor(endpointId);
            pending.SparesWanted = Math.Max(pending.SparesWanted, count);
            // The earliest ask of the batch: the lent leases are confirmed as of then, never later than the endpoint lent them.
            if (pending.SparesAskedAt == 0) pending.SparesAskedAt = askedAt;
            flush = FlushNeeded();
        }
        if (flush) RequestFlush();
    }

    /// <summary>Asks for rpm/tpm budget (<see cref="RateAllowancePool"/>); <paramref name="askedAt"/> is a timestamp of this node's clock.</summary>
    internal void WantAllowance(string endpointId, int requests, long tokens, long askedAt)
    {
        bool flush;
        lock (_lock)
        {
            var pending = PendingFor(endpointId);
            pending.AllowanceWanted = Math.Max(pending.AllowanceWanted, requests);
            pending.AllowanceTokensWanted = Math.Max(pending.AllowanceTokensWanted, tokens);
            // One ask time per batch, the earliest: a lot is drawn on for a while from then, never past the endpoint's expiry.
            if (pending.SparesAskedAt == 0) pending.SparesAskedAt = askedAt;
            flush = FlushNeeded();
        }
        if (flush) RequestFlush();
    }

    internal void AllowanceReturned(string endpointId, string lotId)
    {
        bool flush;
        lock (_lock)
        {
            (PendingFor(endpointId).AllowanceReturned ??= []).Add(lotId);
            flush = FlushNeeded();
        }
        if (flush) RequestFlush();
    }

    internal void SpareReturned(string endpointId, string leaseId)
    {
        bool flush;
        lock (_lock)
        {
            (PendingFor(endpointId).SparesReturned ??= []).Add(leaseId);
            flush = FlushNeeded();
        }
        if (flush) RequestFlush();
    }

    /// <summary>Under the lock.</summary>
    private Pending PendingFor(string endpointId)
    {
        if (!_pending.TryGetValue(endpointId, out var pending)) _pending[endpointId] = pending = new Pending();
        return pending;
    }

    /// <summary>Under the lock: whether this addition is the first since the last flush.</summary>
    private bool FlushNeeded()
    {
        var first = !_flushRequested;
        _flushRequested = true;
        return first;
    }

    private void RequestFlush() => _relay?.Tell(LeaseActivityRelay.FlushSoon.Instance);

    /// <summary>Everything held so far, by endpoint; the next addition asks for a new flush.</summary>
    internal Dictionary<string, Pending> Take()
    {
        lock (_lock)
        {
            var taken = _pending;
            _pending = new Dictionary<string, Pending>(StringComparer.Ordinal);
            _flushRequested = false;
            return taken;
        }
    }
}
