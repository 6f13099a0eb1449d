using System.Globalization;
using System.Text.Json;

namespace Router.Bench;

/// <summary>Prints the results, the goals and whether each is met, and a summary to paste into the README.</summary>
public static class Report
{
    public const double ThroughputGoal = 15_000;
    public const double P99GoalMs = 5;
    public const double ScalingGoal = 2;
    public const double BusiestGoal = 1.3;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// Where the time and the leases went: GC, actor mailbox backlogs, how many leases stayed on the caller's node,
    /// how evenly the endpoints shared them, and whether shards moved (a hand-off stalls decisions).
    /// </summary>
    public static void Diagnostics(int endpoints, LoadResult r, ShardMap before, ShardMap after)
    {
        var rt = r.Runtime;
        Console.WriteLine(string.Create(Invariant,
            $"         GCs gen0/1/2 {rt.Gen0}/{rt.Gen1}/{rt.Gen2}, total GC pause {rt.GcPause.TotalMilliseconds:F0} ms, allocated {rt.AllocatedBytes / (r.Granted + r.Refused + 1):N0} B/decision, heap at end {rt.HeapBytes / 1e6:F0} MB; thread pool {rt.ThreadPoolThreads} threads"));
        Console.WriteLine(
            $"         peak mailbox backlog per node: snapshot exchange {string.Join("/", r.PeakBacklog.Select(b => b.Exchange))}, routers {string.Join("/", r.PeakBacklog.Select(b => b.Routers))}");
        if (r.Stalls.Count > 0)
            Console.WriteLine(string.Create(Invariant,
                $"         process stalls >= 100 ms: {r.Stalls.Count}, {r.Stalls.Sum(s => s.Ms):F0} ms in all (GC pause inside them {r.Stalls.Sum(s => s.GcPauseMs):F0} ms); longest {string.Join(", ", r.Stalls.OrderByDescending(s => s.Ms).Take(3).Select(s => $"{s.Ms:F0} ms at {s.AtSeconds:F1} s (GC {s.GcPauseMs:F0} ms, gen2 {s.Gen2})"))}"));
        Tail(r, after);
        foreach (var (reason, (count, first)) in r.RefusalsByReason.OrderByDescending(x => x.Value.Count))
            Console.WriteLine($"         refused {count:N0} x {reason}: {first}");
        var (localShare, busiest, used) = Share(endpoints, r, after);
        if (used == 0) return;
        Console.WriteLine(string.Create(Invariant,
            $"         leases on the caller's own node {100.0 * localShare:F0}% (even spread: {100.0 / r.LeasesByCallerNode.Count:F0}%); endpoints used {used}/{endpoints}; busiest endpoint {busiest:F2}x its fair share; shards moved during the run {before.ShardsMovedIn(after)}"));
    }

    /// <summary>
    /// What the slow decisions had in common, against all decisions: the share on each path, and how many fell in a GC
    /// pause or in a moment the watcher's thread went unscheduled (the machine's cores all busy elsewhere).
    /// </summary>
    private static void Tail(LoadResult r, ShardMap map)
    {
        var decided = Math.Max(1, r.Granted + r.Refused);
        var unscheduled = r.Hiccups.Where(h => h.Unscheduled).ToArray();
        var unscheduledMs = unscheduled.Sum(h => h.Ms);
        Console.WriteLine(string.Create(Invariant,
            $"         watcher thread unscheduled >= {SlowDecisions.UnscheduledMs:F0} ms: {unscheduled.Length} times, {unscheduledMs:F0} ms in all ({unscheduled.Count(h => h.GcPauseMs > 0)} of them in a GC pause)"));
        foreach (var atLeast in new[] { 2.0, 4.0 })
        {
            var b = SlowDecisions.Classify(r.Slow, r.Hiccups, map, atLeast);
            if (b.Count == 0) continue;
            double Share(int n) => 100.0 * n / b.Count;
            Console.WriteLine(string.Create(Invariant,
                $"         decisions >= {atLeast:F0} ms: {b.Count:N0} ({100.0 * b.Count / decided:F2}%); endpoint on the caller's node {Share(b.OnCallersNode):F0}%, on another {Share(b.OnOtherNode):F0}%, refused {Share(b.Refused):F0}%; during a GC pause {Share(b.DuringGc):F0}%, while the watcher went unscheduled {Share(b.DuringUnscheduled):F0}%"));
        }
    }

    /// <summary>The share of leases granted by an endpoint on the caller's own node, and the busiest endpoint's leases over the mean (total / endpoints).</summary>
    public static (double LocalShare, double Busiest, int Used) Share(int endpoints, LoadResult r, ShardMap map)
    {
        long local = 0, total = 0;
        var perEndpoint = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var node = 0; node < r.LeasesByCallerNode.Count; node++)
        foreach (var (endpoint, count) in r.LeasesByCallerNode[node])
        {
            total += count;
            if (map.NodeOf(endpoint) == node) local += count;
            perEndpoint[endpoint] = perEndpoint.GetValueOrDefault(endpoint) + count;
        }
        if (total == 0) return (0, 0, 0);
        return ((double)local / total, perEndpoint.Values.Max() / ((double)total / endpoints), perEndpoint.Count);
    }

    public static void Group(int endpoints, LoadResult r)
    {
        Console.WriteLine(string.Create(Invariant,
            $"  {endpoints,5} endpoints: {r.DecisionsPerSecond,9:N0} decisions/s  p50 {r.Latency.P50Ms,6:F2} ms  p90 {r.Latency.P90Ms,6:F2} ms  p99 {r.Latency.P99Ms,6:F2} ms  max {r.Latency.MaxMs,7:F2} ms  granted {r.Granted:N0}  refused {r.Refused}  errors {r.Errors}"));
        if (r.SampleRefusal is { } refusal) Console.WriteLine($"         first refusal: {refusal}");
    }

    public static void Summary(BenchOptions options, IReadOnlyList<(string Strategy, int Endpoints, LoadResult Result)> results)
    {
        var cpu = $"{Environment.ProcessorCount} cores";
        var nodes = options.Nodes;
        Console.WriteLine();
        Console.WriteLine(string.Create(Invariant,
            $"Per strategy ({options.Callers} callers, leases held {options.HoldMs} ms; fair-share goals: leases on the caller's node near {100.0 / nodes:F0}%, busiest endpoint <= {BusiestGoal}x its fair share):"));
        Console.WriteLine("| strategy | endpoints | decisions/s | p50 ms | p99 ms | max ms | refused + errors | GC pause ms | longest stall ms | leases on the caller's node | busiest endpoint vs fair share |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (strategy, endpoints, r) in results)
        {
            var (localShare, busiest, _) = Share(endpoints, r, r.Map!);
            var longest = r.Stalls.Count > 0 ? r.Stalls.Max(s => s.Ms) : 0;
            Console.WriteLine(string.Create(Invariant,
                $"| {strategy} | {endpoints:N0} | {r.DecisionsPerSecond:N0} | {r.Latency.P50Ms:F2} | {r.Latency.P99Ms:F2} | {r.Latency.MaxMs:F0} | {r.Refused + r.Errors:N0} | {r.Runtime.GcPause.TotalMilliseconds:F0} | {longest:F0} | {100 * localShare:F0}% | {busiest:F2}x{(busiest <= BusiestGoal ? "" : " (over)")} |"));
        }

        Console.WriteLine();
        Console.WriteLine("Goals:");
        var minThroughput = results.Min(r => r.Result.DecisionsPerSecond);
        var maxP99 = results.Max(r => r.Result.Latency.P99Ms);
        var clean = results.All(r => r.Result.Refused == 0 && r.Result.Errors == 0);
        var ceiling = options.HoldMs > 0 ? options.Callers * 1000.0 / options.HoldMs : double.PositiveInfinity;
        Goal(string.Create(Invariant, $">= {ThroughputGoal:N0} decisions/s in every group"),
            string.Create(Invariant, $"lowest {minThroughput:N0}/s{(double.IsFinite(ceiling) ? $" (ceiling with {options.Callers} callers holding {options.HoldMs} ms: {ceiling:N0}/s)" : "")}"),
            minThroughput >= ThroughputGoal);
        Goal(string.Create(Invariant, $"p99 <= {P99GoalMs} ms in every group"), string.Create(Invariant, $"highest {maxP99:F2} ms"), maxP99 <= P99GoalMs);
        foreach (var strategy in options.Strategies)
        {
            var mine = results.Where(r => r.Strategy == strategy).ToList();
            if (mine.Count < 2) continue;
            var smallest = mine.MinBy(r => r.Endpoints);
            var largest = mine.MaxBy(r => r.Endpoints);
            // Cost of a decision is 1/throughput, so the cost ratio is the inverse throughput ratio; of grants, since a
            // refusal that skips the strategy (NoQuorum) would make a group look cheap.
            var costRatio = smallest.Result.GrantedPerSecond / largest.Result.GrantedPerSecond;
            Goal(string.Create(Invariant, $"{strategy}: {largest.Endpoints} endpoints within {ScalingGoal}x the cost of {smallest.Endpoints}"),
                string.Create(Invariant, $"x{costRatio:F2}"), costRatio <= ScalingGoal);
        }
        Goal("no refusals and no errors", clean ? "none" : "see above", clean);
        var worstBusiest = results.Max(r => Share(r.Endpoints, r.Result, r.Result.Map!).Busiest);
        Goal(string.Create(Invariant, $"busiest endpoint <= {BusiestGoal}x its fair share in every group"), string.Create(Invariant, $"highest {worstBusiest:F2}x"),
            worstBusiest <= BusiestGoal);

        var json = JsonSerializer.Serialize(new
        {
            nodes = options.Nodes,
            callers = options.Callers,
            holdMs = options.HoldMs,
            seconds = options.Seconds,
            cores = Environment.ProcessorCount,
            serverGc = System.Runtime.GCSettings.IsServerGC,
            results = results.Select(x =>
            {
                var (localShare, busiest, _) = Share(x.Endpoints, x.Result, x.Result.Map!);
                var tail = SlowDecisions.Classify(x.Result.Slow, x.Result.Hiccups, x.Result.Map!, 4);
                return new
                {
                    strategy = x.Strategy,
                    endpoints = x.Endpoints,
                    decisionsPerSecond = Math.Round(x.Result.DecisionsPerSecond),
                    p50Ms = Math.Round(x.Result.Latency.P50Ms, 3),
                    p90Ms = Math.Round(x.Result.Latency.P90Ms, 3),
                    p99Ms = Math.Round(x.Result.Latency.P99Ms, 3),
                    maxMs = Math.Round(x.Result.Latency.MaxMs, 3),
                    refused = x.Result.Refused,
                    errors = x.Result.Errors,
                    gcPauseMs = Math.Round(x.Result.Runtime.GcPause.TotalMilliseconds),
                    localShare = Math.Round(localShare, 3),
                    busiestVsFair = Math.Round(busiest, 3),
                    // The tail: the share of decisions of 4 ms or more, and of those the shares in a GC pause and while
                    // the watcher's thread went unscheduled.
                    over4MsShare = Math.Round((double)tail.Count / Math.Max(1, x.Result.Granted + x.Result.Refused), 5),
                    over4MsInGcShare = tail.Count == 0 ? 0 : Math.Round((double)tail.DuringGc / tail.Count, 3),
                    over4MsUnscheduledShare = tail.Count == 0 ? 0 : Math.Round((double)tail.DuringUnscheduled / tail.Count, 3),
                };
            }),
            machine = cpu,
        });
        Console.WriteLine($"BENCH-JSON {json}");
    }

    private static void Goal(string goal, string actual, bool met) =>
        Console.WriteLine($"  [{(met ? "MET" : "NOT MET")}] {goal}: {actual}");
}
