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
    private Dictionary<string, (List<AcquireLease> Granted, List<ReportOutcome> Ended)> _pending = new(StringComparer.Ordinal);
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

    internal void Granted(AcquireLease grant) => Add(grant.EndpointId, grant, null);

    internal void Ended(ReportOutcome outcome) => Add(outcome.EndpointId, null, outcome);

    private void Add(string endpointId, AcquireLease? grant, ReportOutcome? outcome)
    {
        bool requestFlush;
        lock (_lock)
        {
            if (!_pending.TryGetValue(endpointId, out var lists)) _pending[endpointId] = lists = ([], []);
            if (grant is not null) lists.Granted.Add(grant);
            if (outcome is not null) lists.Ended.Add(outcome);
            requestFlush = !_flushRequested;
            _flushRequested = true;
        }
        if (requestFlush) _relay?.Tell(LeaseActivityRelay.FlushSoon.Instance);
    }

    /// <summary>Everything held so far, by endpoint; the next addition asks for a new flush.</summary>
    internal Dictionary<string, (List<AcquireLease> Granted, List<ReportOutcome> Ended)> Take()
    {
        lock (_lock)
        {
            var taken = _pending;
            _pending = new Dictionary<string, (List<AcquireLease>, List<ReportOutcome>)>(StringComparer.Ordinal);
            _flushRequested = false;
            return taken;
        }
    }
}
