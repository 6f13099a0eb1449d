using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Akka.Actor;
using Router.Messages.Routing;

namespace Router.Bench;

/// <summary>What one load phase measured.</summary>
/// <param name="LeasesByCallerNode">For each node the callers used, how many leases each endpoint granted them.</param>
/// <param name="RefusalsByReason">Refused decisions (and errors, as "Timeout (caller)") by reason, each with its first message.</param>
/// <param name="Stalls">Gaps of 100 ms or more in a dedicated thread's 1 ms ticks: the whole process stood still (GC, freeze, machine).</param>
/// <param name="Slow">Decisions of <see cref="SlowDecisions.ThresholdMs"/> or more, and <paramref name="Hiccups"/> the moments that
/// thread saw a GC pause or went unscheduled for <see cref="SlowDecisions.UnscheduledMs"/> or more: what the tail had in common.</param>
public sealed record LoadResult(long Granted, long Refused, long Errors, TimeSpan Elapsed, LatencyStats Latency, string? SampleRefusal,
    IReadOnlyList<Dictionary<string, int>> LeasesByCallerNode, RuntimeCounters Runtime, IReadOnlyList<(int Exchange, int Routers)> PeakBacklog,
    IReadOnlyDictionary<string, (long Count, string First)> RefusalsByReason, IReadOnlyList<Stall> Stalls,
    IReadOnlyList<SlowDecision> Slow, IReadOnlyList<Hiccup> Hiccups)
{
    /// <summary>Which node hosted each endpoint at the end of the phase (set by the caller).</summary>
    public ShardMap? Map { get; init; }

    /// <summary>Answered decisions (granted or refused) per second.</summary>
    public double DecisionsPerSecond => (Granted + Refused) / Elapsed.TotalSeconds;

    /// <summary>Granted decisions per second: what a group's scaling is judged on (a refusal such as NoQuorum skips the work).</summary>
    public double GrantedPerSecond => Granted / Elapsed.TotalSeconds;
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
/// loop, holding every granted lease for <see cref="BenchOptions.HoldMs"/> (a simulated request; 0: released at once,
/// so only the decision is measured) and then releasing it with the time it was held as its latency.
/// </summary>
public sealed class LoadRunner(BenchCluster cluster, BenchOptions options)
{
    private readonly int callers = options.Callers;
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);
    private readonly LatencyRecorder[] _recorders = Enumerable.Range(0, options.Callers).Select(_ => new LatencyRecorder()).ToArray();
    private readonly SlowDecisions _slow = new();
    private readonly Dictionary<string, int>[] _leasesPerEndpoint =
        Enumerable.Range(0, options.Callers).Select(_ => new Dictionary<string, int>(StringComparer.Ordinal)).ToArray();

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
        _slow.Take();
        var counters = new Counters[callers];
        using var watcher = new StallWatcher();
        using var stop = new CancellationTokenSource();
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, callers)
            .Select(i => Task.Run(() => CallerAsync(i, cluster.Nodes[i % cluster.Nodes.Count], group, go.Task, stop.Token, leased, counters)))
            .ToArray();

        var peakBacklog = cluster.Nodes.Select(_ => (Exchange: 0, Routers: 0)).ToArray();
        var runtimeAtStart = RuntimeCounters.Now();
        var started = Stopwatch.GetTimestamp();
        go.SetResult();
        if (leased is null && options is { FreezeAtSeconds: > 0, FreezeMs: > 0 }) Freeze(options.FreezeAtSeconds, options.FreezeMs);
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

        var (stalls, hiccups) = watcher.Stop();
        var reasons = new Dictionary<string, (long Count, string First)>(StringComparer.Ordinal);
        foreach (var c in counters)
        foreach (var (reason, (count, first)) in c.Reasons ?? [])
            reasons[reason] = reasons.TryGetValue(reason, out var seen) ? (seen.Count + count, seen.First) : (count, first);

        return new LoadResult(
            counters.Sum(c => c.Granted), counters.Sum(c => c.Refused), counters.Sum(c => c.Errors),
            total, LatencyStats.From(_recorders), counters.Select(c => c.SampleRefusal).FirstOrDefault(r => r is not null),
            LeasesByCallerNode(), RuntimeCounters.Now().Since(runtimeAtStart), peakBacklog, reasons, stalls, _slow.Take(), hiccups);
    }

    /// <summary>
    /// Stops the whole process for <paramref name="ms"/> after <paramref name="atSeconds"/>, from outside (a shell sends
    /// SIGSTOP and SIGCONT): every thread stands still at once, as in a long stop-the-world GC or a descheduled VM.
    /// </summary>
    private static void Freeze(double atSeconds, int ms)
    {
        var pid = Environment.ProcessId;
        var script = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"sleep {atSeconds:F3}; kill -STOP {pid}; sleep {ms / 1000.0:F3}; kill -CONT {pid}");
        Process.Start(new ProcessStartInfo("sh", ["-c", script]) { UseShellExecute = false });
        Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"         freezing the process for {ms} ms at {atSeconds:F1} s"));
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
        public Dictionary<string, (long Count, string First)>? Reasons;
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
        var reasons = new Dictionary<string, (long Count, string First)>(StringComparer.Ordinal);
        var random = new Random(caller);
        void Count(string reason, string message) =>
            reasons[reason] = reasons.TryGetValue(reason, out var seen) ? (seen.Count + 1, seen.First) : (1, message);

        while (!stop.IsCancellationRequested)
        {
            // The next request arrives as a client's does (Kestrel queues a socket read to the thread pool's global queue),
            // not as an inline continuation of the last answer. Akka queues actor work to the running thread's local queue,
            // which the pool drains before its global one; 64 callers that never left the local queues kept the pool from
            // its global queue, where timer ticks and remoting deliveries wait: heartbeats and quorum pongs came seconds
            // late, and routers refused NoQuorum (a closed loop of this bench, not of the gateway).
            await Task.Yield();
            var request = new RouteRequest(group, prefix + sequence++, SessionKey: $"session-{random.Next(options.Sessions)}", Holder: client.Holder);
            var sw = Stopwatch.GetTimestamp();
            var answer = await client.RouteAsync(request, AskTimeout);
            if (answer is NoEndpointAvailable { Reason: NoEndpointReason.Timeout } timedOut && timedOut.Message.StartsWith("The router did not answer", StringComparison.Ordinal))
            {
                errors++;
                Count("Timeout (caller's ask)", timedOut.Message);
                continue;
            }
            var answered = Stopwatch.GetTimestamp();
            recorder.Add(answered - sw);
            _slow.Add(sw, answered, answer is LeaseGranted { Lease: var l } ? l.EndpointId : "", caller % cluster.Nodes.Count);

            if (answer is LeaseGranted { Lease: var lease })
            {
                var held = Stopwatch.GetTimestamp();
                if (options.HoldMs > 0)
                {
                    try { await Task.Delay(options.HoldMs, stop); }
                    catch (OperationCanceledException) { }
                }
                client.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, Math.Max(1, Stopwatch.GetElapsedTime(held).TotalMilliseconds)));
                leased?.TryAdd(lease.EndpointId, 0);
                CollectionsMarshal.GetValueRefOrAddDefault(leasesPerEndpoint, lease.EndpointId, out _)++;
                granted++;
            }
            else
            {
                refused++;
                var message = (answer as NoEndpointAvailable)?.Message ?? answer.GetType().Name;
                sampleRefusal ??= message;
                Count((answer as NoEndpointAvailable)?.Reason.ToString() ?? answer.GetType().Name, message);
            }
        }

        counters[caller] = new Counters { Granted = granted, Refused = refused, Errors = errors, SampleRefusal = sampleRefusal, Reasons = reasons };
    }
}

/// <summary>A moment the whole process stood still: when (seconds into the phase), how long, and the GC pause inside it.</summary>
public readonly record struct Stall(double AtSeconds, double Ms, double GcPauseMs, int Gen2);

/// <summary>
/// A dedicated thread (not the thread pool, so pool starvation does not show) that ticks every millisecond and records
/// every gap of 100 ms or more with the GC pause time that fell into it: a gap the GC explains is a GC pause, one it does
/// not is the process (or machine) being stopped or starved of CPU. Shorter moments (a GC pause, a tick
/// <see cref="SlowDecisions.UnscheduledMs"/> late) are kept as <see cref="Hiccup"/>s to set against the slow decisions.
/// </summary>
public sealed class StallWatcher : IDisposable
{
    private readonly List<Stall> _stalls = [];
    private readonly List<Hiccup> _hiccups = [];
    private readonly Thread _thread;
    private readonly long _started = Stopwatch.GetTimestamp();
    private volatile bool _stop;

    public StallWatcher()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "stall-watcher", Priority = ThreadPriority.Highest };
        _thread.Start();
    }

    private void Run()
    {
        var last = Stopwatch.GetTimestamp();
        var lastPause = GC.GetTotalPauseDuration();
        var lastGen2 = GC.CollectionCount(2);
        while (!_stop)
        {
            Thread.Sleep(1);
            var now = Stopwatch.GetTimestamp();
            var pause = GC.GetTotalPauseDuration();
            var gen2 = GC.CollectionCount(2);
            var gap = Stopwatch.GetElapsedTime(last, now);
            var hiccup = new Hiccup(last, now, (pause - lastPause).TotalMilliseconds);
            if (hiccup.Unscheduled || hiccup.GcPauseMs > 0)
                lock (_stalls) _hiccups.Add(hiccup);
            if (gap >= TimeSpan.FromMilliseconds(100))
                lock (_stalls) _stalls.Add(new Stall(Stopwatch.GetElapsedTime(_started, last).TotalSeconds, gap.TotalMilliseconds, (pause - lastPause).TotalMilliseconds, gen2 - lastGen2));
            (last, lastPause, lastGen2) = (now, pause, gen2);
        }
    }

    public (IReadOnlyList<Stall> Stalls, IReadOnlyList<Hiccup> Hiccups) Stop()
    {
        _stop = true;
        _thread.Join();
        lock (_stalls) return (_stalls.ToList(), _hiccups.ToList());
    }

    public void Dispose()
    {
        _stop = true;
    }
}
