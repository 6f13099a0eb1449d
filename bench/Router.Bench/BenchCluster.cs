using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Router.Actors.Hosting;
using Router.Messages.Admin;
using Router.Messages.Endpoints;

namespace Router.Bench;

/// <summary>The gateway nodes of the benchmark, joined into one cluster on loopback, with every bench group configured.</summary>
public sealed class BenchCluster : IAsyncDisposable
{
    private readonly List<BenchNode> _nodes = [];

    public IReadOnlyList<BenchNode> Nodes => _nodes;

    /// <summary>One group per strategy and size, so one run can compare strategies on the same cluster.</summary>
    public static string GroupName(string strategy, int size) => $"bench-{strategy}-{size}";

    public static RouterClusterSettings Options(BenchOptions bench) => new()
    {
        Groups = bench.Strategies.SelectMany(s => bench.GroupSizes.Select(n => new ModelGroupDefinition(GroupName(s, n), s))).ToList(),
        Endpoints = bench.Strategies.SelectMany(s => bench.GroupSizes.SelectMany(n => Enumerable.Range(0, n)
                .Select(i => new EndpointDefinition($"{GroupName(s, n)}-ep-{i}", GroupName(s, n), "http://127.0.0.1:9/"))))
            .ToList(),
    };

    public static async Task<BenchCluster> StartAsync(int nodes, RouterClusterSettings options)
    {
        var cluster = new BenchCluster();
        try
        {
            for (var i = 0; i < nodes; i++)
            {
                var node = await BenchNode.StartAsync(options);
                cluster._nodes.Add(node);
                using var joinTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await node.Cluster.JoinAsync(cluster._nodes[0].Cluster.SelfAddress, joinTimeout.Token);
            }
            await WaitUntil(() => cluster._nodes.All(n => n.Cluster.State.Members.Count(m => m.Status == MemberStatus.Up) == nodes),
                "every node sees every member up");
            // The replicated directory replaces the configured one when it first changes; wait until it is complete everywhere.
            var endpoints = options.Endpoints.Count;
            await WaitUntil(() => cluster._nodes.All(n => n.Runtime.Directory.Current.Endpoints.Count == endpoints
                                                          && n.Runtime.Directory.Current.Groups.Count == options.Groups.Count),
                "every node's directory holds every bench endpoint");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts every endpoint entity at once (the first message to an entity creates it and allocates its shard), so
    /// shards are allocated while every node is up rather than one group at a time during the measurements.
    /// </summary>
    public async Task StartEntitiesAsync(IEnumerable<string> endpointIds)
    {
        // Only regions registered with the shard coordinator get shards: wait for all of them first, or the
        // first nodes get every shard and the coordinator then rebalances for minutes.
        await WaitUntilAsync(async () =>
        {
            var stats = await _nodes[0].Region.Ask<ClusterShardingStats>(new GetClusterShardingStats(TimeSpan.FromSeconds(3)), TimeSpan.FromSeconds(5));
            return stats.Regions.Count == _nodes.Count;
        }, "every node's shard region is registered with the coordinator");
        var region = _nodes[0].Region;
        await Task.WhenAll(endpointIds.Select(id => region.Ask<EndpointState>(new GetEndpointState(id), TimeSpan.FromSeconds(30))));
    }

    /// <summary>
    /// Waits until no shard has moved for <paramref name="quiet"/> (longer than the coordinator's rebalance interval),
    /// or <paramref name="max"/> has passed, so that rebalancing hand-offs do not fall into a measurement.
    /// Returns the number of shard moves seen and the final map.
    /// </summary>
    public async Task<(int Moves, ShardMap Map)> SettleShardsAsync(TimeSpan quiet, TimeSpan max)
    {
        var started = Stopwatch.GetTimestamp();
        var map = await ShardMap.ReadAsync(this);
        var lastMove = started;
        var moves = 0;
        while (Stopwatch.GetElapsedTime(lastMove) < quiet && Stopwatch.GetElapsedTime(started) < max)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            var next = await ShardMap.ReadAsync(this);
            var moved = map.ShardsMovedIn(next);
            if (moved > 0)
            {
                moves += moved;
                lastMove = Stopwatch.GetTimestamp();
            }
            map = next;
        }
        return (moves, map);
    }

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!condition())
        {
            if (timeout.IsCancellationRequested) throw new TimeoutException($"Timed out waiting until {what}.");
            await Task.Delay(50);
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            if (timeout.IsCancellationRequested) throw new TimeoutException($"Timed out waiting until {what}.");
            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Newest first, so the oldest node (shard coordinator) leaves last and hand-offs stay quick.
        foreach (var node in Enumerable.Reverse(_nodes)) await node.DisposeAsync();
        _nodes.Clear();
    }
}
