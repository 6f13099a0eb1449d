using System.Runtime;
using Router.Bench;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

if (options.CodecOnly)
{
    SnapshotCodecComparison.Run();
    return 0;
}

if (options.SelectionOnly)
{
    SelectionBench.Run(options);
    return 0;
}

Console.WriteLine($"Router decision benchmark: {options.Nodes} gateway node(s) in-process, {options.Callers} callers holding each lease {options.HoldMs} ms, " +
                  $"strategies [{string.Join(", ", options.Strategies)}], {options.Seconds} s per group, groups [{string.Join(", ", options.GroupSizes)}]");
Console.WriteLine($"  {Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC {GCSettings.IsServerGC}, " +
                  $"{(System.Diagnostics.Debugger.IsAttached ? "debugger attached" : "no debugger")}");
Console.WriteLine($"Goals: >= {Report.ThroughputGoal:N0} decisions/s, p99 <= {Report.P99GoalMs} ms, " +
                  $"largest group within {Report.ScalingGoal}x the cost of the smallest");
#if DEBUG
Console.WriteLine("  WARNING: Debug build; run with -c Release for meaningful numbers.");
#endif

var clusterOptions = BenchCluster.Options(options);
var startup = System.Diagnostics.Stopwatch.StartNew();
await using var cluster = await BenchCluster.StartAsync(options.Nodes, clusterOptions);
Console.WriteLine($"Cluster of {options.Nodes} up with {clusterOptions.Endpoints.Count} endpoints in {startup.Elapsed.TotalSeconds:F1} s " +
                  $"(router pool {clusterOptions.RouterPoolSize} per node)");

startup.Restart();
await cluster.StartEntitiesAsync(clusterOptions.Endpoints.Select(e => e.Id));
var (moves, shards) = await cluster.SettleShardsAsync(quiet: TimeSpan.FromSeconds(options.SettleSeconds), max: TimeSpan.FromSeconds(45));
Console.WriteLine($"All endpoint entities started; entities per node {string.Join("/", shards.EntitiesPerNode(options.Nodes))}; " +
                  $"{moves} shard move(s) while settling ({startup.Elapsed.TotalSeconds:F1} s)");
Console.WriteLine();

var runner = new LoadRunner(cluster, options);
var results = new List<(string Strategy, int Endpoints, LoadResult Result)>();
foreach (var strategy in options.Strategies)
foreach (var size in options.GroupSizes)
{
    var group = BenchCluster.GroupName(strategy, size);
    var leased = await runner.WarmUpAsync(group, size, minimum: TimeSpan.FromSeconds(2), maximum: TimeSpan.FromSeconds(options.WarmupSeconds));
    Console.WriteLine($"{group}: warmed up, {leased}/{size} endpoints leased at least once");
    GC.Collect();
    var before = await ShardMap.ReadAsync(cluster);
    using var sampler = options.AllocationTypes ? new AllocationSampler() : null;
    sampler?.Start();
    var wireBefore = Router.Messages.Serialization.WireTraffic.Totals().ToDictionary(t => t.Message);
    var result = await runner.MeasureAsync(group, TimeSpan.FromSeconds(options.Seconds));
    var decided = Math.Max(1, result.Granted + result.Refused);
    foreach (var (type, share, perDecision) in sampler?.Stop(decided) ?? [])
        Console.WriteLine($"         allocated {share,6:P1} {perDecision,8:N0} B/decision  {type}");
    var wire = Router.Messages.Serialization.WireTraffic.Totals()
        .Select(t => (t.Message, Messages: t.Messages - (wireBefore.TryGetValue(t.Message, out var b) ? b.Messages : 0),
            Bytes: t.Bytes - (wireBefore.TryGetValue(t.Message, out var c) ? c.Bytes : 0)))
        .Where(t => t.Messages > 0).OrderByDescending(t => t.Bytes).ToList();
    if (wire.Count > 0)
        Console.WriteLine("         over the network per decision: " + string.Join(", ",
            wire.Select(t => $"{t.Message} {(double)t.Messages / decided:0.###} msgs {(double)t.Bytes / decided:0} B ({t.Bytes / Math.Max(1, t.Messages):N0} B each)")));
    var after = await ShardMap.ReadAsync(cluster);
    result = result with { Map = after };
    Report.Group(size, result);
    Report.Diagnostics(size, result, before, after);
    results.Add((strategy, size, result));
}

Report.Summary(options, results);
Console.WriteLine();
Console.WriteLine("Stopping the cluster...");
return 0;
