using System.Diagnostics;

namespace Router.Bench;

/// <summary>One decision that took <see cref="SlowDecisions.ThresholdMs"/> or more: when it started and ended
/// (<see cref="Stopwatch"/> timestamps), the endpoint granted ("" when refused) and the caller's node.</summary>
public readonly record struct SlowDecision(long Started, long Ended, string EndpointId, int CallerNode);

/// <summary>A moment the <see cref="StallWatcher"/>'s thread saw: a tick that came late, or a GC pause that ended in it.</summary>
public readonly record struct Hiccup(long From, long To, double GcPauseMs)
{
    public double Ms => (To - From) * 1000.0 / Stopwatch.Frequency;

    /// <summary>The tick came <see cref="SlowDecisions.UnscheduledMs"/> or more late: the thread (or the process) was not run.</summary>
    public bool Unscheduled => Ms >= SlowDecisions.UnscheduledMs;
}

/// <summary>
/// The decisions in a run's tail, and what they had in common: the path (an endpoint actor on the caller's node, or an
/// endpoint on another node), a GC pause, or a moment a dedicated thread went unscheduled (the machine's cores were all
/// busy). A tail spread over the paths as the decisions are, and seen by that thread too, is the machine's, not a path's.
/// </summary>
public sealed class SlowDecisions
{
    /// <summary>Decisions at least this long are kept: the shortest the report splits (the p99 goal is 5 ms).</summary>
    public const double ThresholdMs = 2;

    /// <summary>A watcher tick later than this is a moment its thread (or the process) was not run.</summary>
    public const double UnscheduledMs = 3;

    private static readonly long ThresholdTicks = (long)(ThresholdMs * Stopwatch.Frequency / 1000);
    private readonly List<SlowDecision> _decisions = [];

    public void Add(long started, long ended, string endpointId, int callerNode)
    {
        if (ended - started < ThresholdTicks) return;
        lock (_decisions) _decisions.Add(new SlowDecision(started, ended, endpointId, callerNode));
    }

    public IReadOnlyList<SlowDecision> Take()
    {
        lock (_decisions)
        {
            var taken = _decisions.ToList();
            _decisions.Clear();
            return taken;
        }
    }

    /// <summary>What the decisions of <paramref name="atLeastMs"/> or more had in common.</summary>
    public readonly record struct Breakdown(int Count, int OnCallersNode, int OnOtherNode, int Refused, int DuringGc, int DuringUnscheduled);

    public static Breakdown Classify(IReadOnlyList<SlowDecision> slow, IReadOnlyList<Hiccup> hiccups, ShardMap map, double atLeastMs)
    {
        var atLeast = (long)(atLeastMs * Stopwatch.Frequency / 1000);
        var ordered = hiccups.OrderBy(h => h.From).ToArray();
        int count = 0, here = 0, elsewhere = 0, refused = 0, gc = 0, unscheduled = 0;
        foreach (var d in slow)
        {
            if (d.Ended - d.Started < atLeast) continue;
            count++;
            if (d.EndpointId.Length == 0) refused++;
            else if (map.NodeOf(d.EndpointId) == d.CallerNode) here++;
            else elsewhere++;
            bool sawGc = false, sawUnscheduled = false;
            foreach (var h in ordered)
            {
                if (h.From > d.Ended) break;
                if (h.To < d.Started) continue;
                sawGc |= h.GcPauseMs > 0;
                sawUnscheduled |= h.Unscheduled;
            }
            if (sawGc) gc++;
            if (sawUnscheduled) unscheduled++;
        }
        return new Breakdown(count, here, elsewhere, refused, gc, unscheduled);
    }
}
