using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Router.Actors.Directory;
using Router.Actors.Endpoints;
using Router.Actors.Leasing;
using Router.Actors.Routing;
using Router.Actors.Strategies;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Bench;

/// <summary>
/// The cost of a decision's own work, without the cluster: which candidates it considers
/// (<see cref="CandidateSelector.SelectFor"/>, as the router calls it) and the strategy's pick, on one thread, per
/// strategy and group size (<c>--selection</c>). The cluster run's figures at 1,000 endpoints also carry the snapshot
/// gossip of 1,000 endpoints and move 20-30% between runs of the same code; this one isolates what grows with the group.
/// </summary>
/// <remarks>
/// Each endpoint has a weight of 1 to 4 (so the weighted strategies use their tables), a price, a fresh latency window
/// (100-149 ms) and 0-4 requests in flight; session keys are drawn from <see cref="BenchOptions.Sessions"/>, all of them
/// seen during the warm-up; the clock advances 20 µs per decision (50,000 decisions/s), so pictures taken every 100 ms
/// are taken again as in a busy gateway. The figure is the median of three timed runs of <see cref="BenchOptions.Seconds"/> each.
/// </remarks>
internal static class SelectionBench
{
    private const string Self = "akka.tcp://llm-router@10.0.0.1:4053#1";
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    public static void Run(BenchOptions options)
    {
        Console.WriteLine($"Decision work alone (candidate selection + pick, one thread), {options.Seconds} s x 3 per group, median; " +
                          $"groups [{string.Join(", ", options.GroupSizes)}], {options.Sessions:N0} session keys");
        Console.WriteLine();
        Console.WriteLine($"| strategy | {string.Join(" | ", options.GroupSizes.Select(n => $"ns/decision at {n:N0}"))} | " +
                          $"{string.Join(" | ", options.GroupSizes.Select(n => $"B/decision at {n:N0}"))} | largest vs smallest |");
        Console.WriteLine($"| --- |{string.Concat(Enumerable.Repeat(" ---: |", 2 * options.GroupSizes.Count + 1))}");
        foreach (var strategy in options.Strategies)
        {
            var results = options.GroupSizes.Select(size => Measure(strategy, size, options)).ToList();
            var ratio = results[^1].Nanoseconds / results[0].Nanoseconds;
            Console.WriteLine($"| {strategy} | {string.Join(" | ", results.Select(r => r.Nanoseconds.ToString("N0")))} | " +
                              $"{string.Join(" | ", results.Select(r => r.Bytes.ToString("N0")))} | {ratio:F2}x{(ratio <= Report.ScalingGoal ? "" : " (over)")} |");
        }
    }

    private static (double Nanoseconds, double Bytes) Measure(string strategyName, int size, BenchOptions options)
    {
        var endpoints = Enumerable.Range(0, size).Select(i => new EndpointDefinition($"sel-{size}-ep-{i}", "g", $"http://10.0.{i / 250}.{i % 250}:8000",
            Weight: i % 4 + 1, InputCostPer1KTokens: 0.5, OutputCostPer1KTokens: 1.5)).ToList();
        var directory = new DirectorySnapshot([new ModelGroupDefinition("g", strategyName)], endpoints);
        var snapshots = new SnapshotCache();
        var random = new Random(11);
        foreach (var (endpoint, i) in endpoints.Select((e, i) => (e, i)))
            snapshots.Apply(EndpointSnapshot.Empty(endpoint.Id) with
            {
                Incarnation = 1, Sequence = 1, TakenAt = Start, InFlight = random.Next(5),
                Latency = new WindowStats(50, 100 + i % 50, 100 + i % 50, 120 + i % 50),
                TimeToFirstToken = new WindowStats(50, 30 + i % 20, 30 + i % 20, 40 + i % 20),
                LastSampleAt = DateTimeOffset.MaxValue, // never stale: re-probes are not what this measures
            });
        var members = GroupMembers.Build(directory, directory.Groups["g"], snapshots, new LeaseBook(TimeProvider.System));
        var strategy = new GroupStrategy(new StrategyRegistry().Create(strategyName));
        var settings = new RoutingSettings();
        var source = new SeededRandomSource(7);
        var requests = Enumerable.Range(0, options.Sessions).Select(k => new RouteRequest("g", $"r{k}", SessionKey: $"session-{k}")).ToArray();
        var candidates = new List<EndpointCandidate>();
        var silent = new SilentEndpoints();
        var now = Start;
        var decisions = 0L;

        void Decide()
        {
            now = now.AddTicks(200); // 20 µs
            var request = requests[decisions++ % requests.Length];
            candidates.Clear();
            CandidateSelector.SelectFor(members, strategy, request, now, candidates, Self, source, settings, silent, NullLogger.Instance, out var shortlisted);
            strategy.Pick(candidates, new RoutingContext(request, now, source, settings.Strategy) { Shortlisted = shortlisted }, NullLogger.Instance);
        }

        // Warm up: every session key seen, and the JIT's tiers settled.
        var warmup = Stopwatch.StartNew();
        while (decisions < 2L * requests.Length || warmup.Elapsed < TimeSpan.FromSeconds(1)) Decide();

        var runs = new List<(double, double)>();
        for (var run = 0; run < 3; run++)
        {
            var (before, bytesBefore) = (decisions, GC.GetAllocatedBytesForCurrentThread());
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(options.Seconds))
                for (var k = 0; k < 1_000; k++) Decide();
            var count = decisions - before;
            runs.Add((clock.Elapsed.TotalNanoseconds / count, (double)(GC.GetAllocatedBytesForCurrentThread() - bytesBefore) / count));
        }
        return runs.OrderBy(r => r.Item1).ElementAt(1);
    }
}
