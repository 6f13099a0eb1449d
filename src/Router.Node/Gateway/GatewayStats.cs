using System.Collections.Concurrent;

namespace Router.Node.Gateway;

/// <summary>Per-group request counters of this node (requests, errors, retries, fallbacks), for admins and metrics.</summary>
public sealed class GatewayStats
{
    private readonly ConcurrentDictionary<string, GroupCounters> _groups = new(StringComparer.Ordinal);

    public GroupCounters For(string group) => _groups.GetOrAdd(group, _ => new GroupCounters());

    public IReadOnlyDictionary<string, GroupCounters> Groups => _groups;
}

public sealed class GroupCounters
{
    private long _requests, _errors, _retries, _fallbacks;

    public long Requests => Interlocked.Read(ref _requests);
    public long Errors => Interlocked.Read(ref _errors);
    public long Retries => Interlocked.Read(ref _retries);
    public long Fallbacks => Interlocked.Read(ref _fallbacks);

    internal void Requested() => Interlocked.Increment(ref _requests);
    internal void Failed() => Interlocked.Increment(ref _errors);
    internal void Retried() => Interlocked.Increment(ref _retries);
    internal void FellBack() => Interlocked.Increment(ref _fallbacks);
}
