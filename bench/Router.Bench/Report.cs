using System.Globalization;
using System.Text.Json;

namespace Router.Bench;

/// <summary>Prints the results, the goals and whether each is met, and a summary to paste into the README.</summary>
public static class Report
{
    public const double ThroughputGoal = 15_000;
    public const double P99GoalMs = 5;
    public const double ScalingGoal = 2;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// Where the time and the leases went: GC, actor mailbox backlogs, how many leases stayed on the caller's node,
    /// how evenly the endpoints shared them, and whether shards moved (a hand-off stalls decisions).
    /// </summary>
    public static void Diagnostics(int endpoints, LoadResult r, ShardMap before, ShardMap after)
    {
        long local = 0, total = 0;
        var perEndpoint = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var node = 0; node < r.LeasesByCallerNode.Count; node++)
        foreach (var (endpoint, count) in r.LeasesByCallerNode[node])
        {
            total += count;
            if (after.NodeOf(endpoint) == node) local += count;
            perEndpoint[endpoint] = perEndpoint.GetValueOrDefault(endpoint) + count;
        }
        var rt = r.Runtime;
        Console.WriteLine(string.Create(Invariant,
            $"         GCs gen0/1/2 {rt.Gen0}/{rt.Gen1}/{rt.Gen2}, total GC pause {rt.GcPause.TotalMilliseconds:F0} ms, allocated {rt.AllocatedBytes / (r.Granted + r.Refused + 1):N0} B/decision, heap at end {rt.HeapBytes / 1e6:F0} MB; thread pool {rt.ThreadPoolThreads} threads"));
        Console.WriteLine(
            $"         peak mailbox backlog per node: snapshot exchange {string.Join("/", r.PeakBacklog.Select(b => b.Exchange))}, routers {string.Join("/", r.PeakBacklog.Select(b => b.Routers))}");
        if (total == 0) return;
        var busiest = perEndpoint.Values.Max();
        var fairShare = (double)total / endpoints;
        Console.WriteLine(string.Create(Invariant,
            $"         leases on the caller's own node {100.0 * local / total:F0}% (even spread: {100.0 / r.LeasesByCallerNode.Count:F0}%); endpoints used {perEndpoint.Count}/{endpoints}; busiest endpoint {busiest / fairShare:F1}x its fair share; shards moved during the run {before.ShardsMovedIn(after)}"));
    }

    public static void Group(int endpoints, LoadResult r)
    {
        Console.WriteLine(string.Create(Invariant,
            $"  {endpoints,5} endpoints: {r.DecisionsPerSecond,9:N0} decisions/s  p50 {r.Latency.P50Ms,6:F2} ms  p90 {r.Latency.P90Ms,6:F2} ms  p99 {r.Latency.P99Ms,6:F2} ms  max {r.Latency.MaxMs,7:F2} ms  granted {r.Granted:N0}  refused {r.Refused}  errors {r.Errors}"));
        if (r.SampleRefusal is { } refusal) Console.WriteLine($"         first refusal: {refusal}");
    }

    public static void Summary(BenchOptions options, IReadOnlyList<(int Endpoints, LoadResult Result)> results)
    {
        var smallest = results.MinBy(r => r.Endpoints);
        var largest = results.MaxBy(r => r.Endpoints);
        // Cost of a decision is 1/throughput, so the cost ratio is the inverse throughput ratio.
        var costRatio = smallest.Result.DecisionsPerSecond / largest.Result.DecisionsPerSecond;
        var p99Ratio = largest.Result.Latency.P99Ms / smallest.Result.Latency.P99Ms;

        Console.WriteLine();
        Console.WriteLine(string.Create(Invariant,
            $"Scaling {largest.Endpoints} vs {smallest.Endpoints} endpoints: cost per decision x{costRatio:F2}, p99 x{p99Ratio:F2}"));

        Console.WriteLine();
        Console.WriteLine("Goals:");
        var minThroughput = results.Min(r => r.Result.DecisionsPerSecond);
        var maxP99 = results.Max(r => r.Result.Latency.P99Ms);
        var clean = results.All(r => r.Result.Refused == 0 && r.Result.Errors == 0);
        Goal(string.Create(Invariant, $">= {ThroughputGoal:N0} decisions/s in every group"), string.Create(Invariant, $"lowest {minThroughput:N0}/s"),
            minThroughput >= ThroughputGoal);
        Goal(string.Create(Invariant, $"p99 <= {P99GoalMs} ms in every group"), string.Create(Invariant, $"highest {maxP99:F2} ms"), maxP99 <= P99GoalMs);
        Goal(string.Create(Invariant, $"{largest.Endpoints} endpoints within {ScalingGoal}x the cost of {smallest.Endpoints}"),
            string.Create(Invariant, $"x{costRatio:F2}"), costRatio <= ScalingGoal);
        Goal("no refusals and no errors", clean ? "none" : "see above", clean);

        var cpu = $"{Environment.ProcessorCount} cores";
        Console.WriteLine();
        Console.WriteLine("README rows:");
        Console.WriteLine("| strategy | endpoints | nodes | callers | decisions/s | p50 ms | p90 ms | p99 ms | max ms | refused+errors | machine |");
        Console.WriteLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|");
        foreach (var (endpoints, r) in results)
            Console.WriteLine(string.Create(Invariant,
                $"| {options.Strategy} | {endpoints} | {options.Nodes} | {options.Callers} | {r.DecisionsPerSecond:F0} | {r.Latency.P50Ms:F2} | {r.Latency.P90Ms:F2} | {r.Latency.P99Ms:F2} | {r.Latency.MaxMs:F2} | {r.Errors + r.Refused} | {cpu} |"));

        var json = JsonSerializer.Serialize(new
        {
            strategy = options.Strategy,
            nodes = options.Nodes,
            callers = options.Callers,
            seconds = options.Seconds,
            cores = Environment.ProcessorCount,
            results = results.Select(x => new
            {
                endpoints = x.Endpoints,
                decisionsPerSecond = Math.Round(x.Result.DecisionsPerSecond),
                p50Ms = Math.Round(x.Result.Latency.P50Ms, 3),
                p90Ms = Math.Round(x.Result.Latency.P90Ms, 3),
                p99Ms = Math.Round(x.Result.Latency.P99Ms, 3),
                maxMs = Math.Round(x.Result.Latency.MaxMs, 3),
                refused = x.Result.Refused,
                errors = x.Result.Errors,
            }),
            costRatio = Math.Round(costRatio, 3),
            p99Ratio = Math.Round(p99Ratio, 3),
        });
        Console.WriteLine($"BENCH-JSON {json}");
    }

    private static void Goal(string goal, string actual, bool met) =>
        Console.WriteLine($"  [{(met ? "MET" : "NOT MET")}] {goal}: {actual}");
}
