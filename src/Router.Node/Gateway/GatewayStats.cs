using System.Collections.Concurrent;

namespace Router.Node.Gateway;

/// <summary>
/// Per-group request counters of this node (requests, errors, retries, fallbacks, how requests ended), for admins and
/// metrics: each fact is counted once, here, and the metrics read these counters when collected.
/// </summary>
public sealed class GatewayStats
{
    private readonly ConcurrentDictionary<string, GroupCounters> _groups = new(StringComparer.Ordinal);

    public GroupCounters For(string group) => _groups.GetOrAdd(group, _ => new GroupCounters());

    public IReadOnlyDictionary<string, GroupCounters> Groups => _groups;
}

public sealed class GroupCounters
{
    private long _requests, _errors, _retries, _fallbacks;
    // Requests that ended, by outcome (Observability.GatewayMetrics.RequestOutcomes): the llm_router.requests counter and,
    // with Requests, the llm_router.requests.active gauge are read from here when an exporter collects.
    private readonly long[] _ended = new long[Observability.GatewayMetrics.RequestOutcomes.Length];

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Requests that ended with outcome <paramref name="outcome"/> (an index into GatewayMetrics.RequestOutcomes).</summary>
    internal long Ended(int outcome) => Interlocked.Read(ref _ended[outcome]);

    /// <summary>Requests started and not ended yet (never negative: the ends are read before the starts).</summary>
    internal long Active
    {
        get
        {
            long ended = 0;
            for (var i = 0; i < _ended.Length; i++) ended += Interlocked.Read(ref _ended[i]);
            return Requests - ended;
        }
    }

    internal void End(int outcome) => Interlocked.Increment(ref _ended[outcome]);
    public long Errors => Interlocked.Read(ref _errors);
    public long Retries => Interlocked.Read(ref _retries);
    public long Fallbacks => Interlocked.Read(ref _fallbacks);

    internal void Requested() => Interlocked.Increment(ref _requests);
    internal void Failed() => Interlocked.Increment(ref _errors);
    internal void Retried() => Interlocked.Increment(ref _retries);
    internal void FellBack() => Interlocked.Increment(ref _fallbacks);
}
