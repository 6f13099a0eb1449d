using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Akka.Actor;
using Router.Messages.Routing;

namespace Router.Bench;

/// <summary>What one load phase measured.</summary>
/// <param name="LeasesByCallerNode">For each node the callers used, how many leases each endpoint granted them.</param>
public sealed record LoadResult(long Granted, long Refused, long Errors, TimeSpan Elapsed, LatencyStats Latency, string? SampleRefusal,
    IReadOnlyList<Dictionary<string, int>> LeasesByCallerNode, RuntimeCounters Runtime, IReadOnlyList<(int Exchange, int Routers)> PeakBacklog)
{
    /// <summary>Answered decisions (granted or refused) per second.</summary>
    public double DecisionsPerSecond => (Granted + Refused) / Elapsed.TotalSeconds;
}

/// <summary>What the runtime did during a phase: garbage collections, their total pause, the thread pool's size.</summary>
public readonly record struct RuntimeCounters(int Gen0, int Gen1, int Gen2, TimeSpan GcPause, int ThreadPoolThreads, long HeapBytes, long AllocatedBytes)
{
    public static RuntimeCounters Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
        GC.GetTotalPauseDuration(), ThreadPool.ThreadCount, GC.GetTotalMemory(false), GC.GetTotalAllocatedBytes());

    public RuntimeCounters Since(RuntimeCounters start) =>
        new(Gen0 - start.Gen0, Gen1 - start.Gen1, Gen2 - start.Gen2, GcPause - start.GcPause, ThreadPoolThreads, HeapBytes,
            AllocatedBytes - start.AllocatedBytes);
}

/// <summary>
/// Concurrent callers, spread round-robin over the nodes, each asking its node's router pool for a lease in a
/// loop and releasing every granted lease at once (a zero-length request), so only the decision is measured.
/// </summary>
public sealed class LoadRunner(BenchCluster cluster, int callers)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);
    private readonly LatencyRecorder[] _recorders = Enumerable.Range(0, callers).Select(_ => new LatencyRecorder()).ToArray();
    private readonly Dictionary<string, int>[] _leasesPerEndpoint =
        Enumerable.Range(0, callers).Select(_ => new Dictionary<string, int>(StringComparer.Ordinal)).ToArray();

    /// <summary>Runs load on <paramref name="group"/> for <paramref name="duration"/> and measures every decision.</summary>
    public Task<LoadResult> MeasureAsync(string group, TimeSpan duration) => RunAsync(group, duration, minimum: duration, leased: null, endpoints: 0);

    /// <summary>
    /// Runs load until every one of the group's <paramref name="endpoints"/> has granted a lease (so its sharded entity
    /// exists) and at least <paramref name="minimum"/> has passed, or for <paramref name="maximum"/> at most.
    /// Returns the number of distinct endpoints leased.
    /// </summary>
    public async Task<int> WarmUpAsync(string group, int endpoints, TimeSpan minimum, TimeSpan maximum)
    {
        var leased = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        await RunAsync(group, maximum, minimum, leased, endpoints);
        return leased.Count;
    }

    private async Task<LoadResult> RunAsync(string group, TimeSpan duration, TimeSpan minimum,
        ConcurrentDictionary<string, byte>? leased, int endpoints)
    {
        foreach (var recorder in _recorders) recorder.Reset();
        foreach (var leases in _leasesPerEndpoint) leases.Clear();
        var counters = new Counters[callers];
        using var stop = new CancellationTokenSource();
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, callers)
            .Select(i => Task.Run(() => CallerAsync(i, cluster.Nodes[i % cluster.Nodes.Count], group, go.Task, stop.Token, leased, counters)))
            .ToArray();

        var peakBacklog = cluster.Nodes.Select(_ => (Exchange: 0, Routers: 0)).ToArray();
        var runtimeAtStart = RuntimeCounters.Now();
        var started = Stopwatch.GetTimestamp();
        go.SetResult();
        while (true)
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            for (var n = 0; n < peakBacklog.Length; n++)
            {
                var (exchange, routers) = cluster.Nodes[n].Backlog();
                peakBacklog[n] = (Math.Max(peakBacklog[n].Exchange, exchange), Math.Max(peakBacklog[n].Routers, routers));
            }
            if (elapsed >= duration) break;
            if (leased is not null && elapsed >= minimum && leased.Count >= endpoints) break;
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(50, (duration - elapsed).TotalMilliseconds + 1)));
        }
        stop.Cancel();
        await Task.WhenAll(tasks);
        var total = Stopwatch.GetElapsedTime(started);

        return new LoadResult(
            counters.Sum(c => c.Granted), counters.Sum(c => c.Refused), counters.Sum(c => c.Errors),
            total, LatencyStats.From(_recorders), counters.Select(c => c.SampleRefusal).FirstOrDefault(r => r is not null),
            LeasesByCallerNode(), RuntimeCounters.Now().Since(runtimeAtStart), peakBacklog);
    }

    private List<Dictionary<string, int>> LeasesByCallerNode()
    {
        var byNode = cluster.Nodes.Select(_ => new Dictionary<string, int>(StringComparer.Ordinal)).ToList();
        for (var caller = 0; caller < callers; caller++)
        foreach (var (endpoint, count) in _leasesPerEndpoint[caller])
            CollectionsMarshal.GetValueRefOrAddDefault(byNode[caller % byNode.Count], endpoint, out _) += count;
        return byNode;
    }

    private struct Counters
    {
        public long Granted;
        public long Refused;
        public long Errors;
        public string? SampleRefusal;
    }

    private async Task CallerAsync(int caller, BenchNode node, string group, Task go, CancellationToken stop,
        ConcurrentDictionary<string, byte>? leased, Counters[] counters)
    {
        await go;
        var recorder = _recorders[caller];
        var leasesPerEndpoint = _leasesPerEndpoint[caller];
        var client = node.Client;
        var prefix = $"bench-c{caller}-";
        long granted = 0, refused = 0, errors = 0, sequence = 0;
        string? sampleRefusal = null;

        while (!stop.IsCancellationRequested)
        {
            var request = new RouteRequest(group, prefix + sequence++);
            var sw = Stopwatch.GetTimestamp();
            var answer = await client.RouteAsync(request, AskTimeout);
            if (answer is NoEndpointAvailable { Reason: NoEndpointReason.Timeout })
            {
                errors++;
                continue;
            }
            recorder.Add(Stopwatch.GetTimestamp() - sw);

            if (answer is LeaseGranted { Lease: var lease })
            {
                client.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, 1));
                leased?.TryAdd(lease.EndpointId, 0);
                CollectionsMarshal.GetValueRefOrAddDefault(leasesPerEndpoint, lease.EndpointId, out _)++;
                granted++;
            }
            else
            {
                refused++;
                sampleRefusal ??= (answer as NoEndpointAvailable)?.Message ?? answer.GetType().Name;
            }
        }

        counters[caller] = new Counters { Granted = granted, Refused = refused, Errors = errors, SampleRefusal = sampleRefusal };
    }
}
