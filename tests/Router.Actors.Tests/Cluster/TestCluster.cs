using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Router.Actors.Hosting;
using Router.Messages.Endpoints;

namespace Router.Actors.Tests.Cluster;

/// <summary>Several router nodes in this process, joined into one cluster on loopback.</summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly List<TestNode> _nodes = [];
    private string? _hocon;

    public IReadOnlyList<TestNode> Nodes => _nodes;
    public TestNode this[int index] => _nodes[index];

    /// <param name="hocon">Extra settings for every node (e.g. <see cref="Partitions.Hocon"/> to cut nodes off in-process).</param>
    public static async Task<TestCluster> StartAsync(int gateways, RouterClusterSettings options, string? hocon = null)
    {
        var cluster = new TestCluster { _hocon = hocon };
        try
        {
            for (var i = 0; i < gateways; i++) await cluster.AddNodeAsync(options);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts a node, joins it to the first one, and waits until every node sees it up.</summary>
    public async Task<TestNode> AddNodeAsync(RouterClusterSettings options)
    {
        var node = await TestNode.StartAsync(options, _hocon);
        _nodes.Add(node);
        await node.Cluster.JoinAsync(_nodes[0].Address, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        await Eventually.Until(() => _nodes.Select(n => n.Cluster.State.Members.Count(m => m.Status == MemberStatus.Up)).ToList(),
            ups => ups.All(up => up == _nodes.Count), $"every node sees all {_nodes.Count} members up (members up per node)");
        // Shards are placed on the regions the coordinator knows: wait until it knows every gateway's.
        var gateways = _nodes.Count(n => n.Runtime.Options.IsGateway);
        await Eventually.Until(async () =>
        {
            var stats = await _nodes[0].Region.Ask<ClusterShardingStats>(new GetClusterShardingStats(TimeSpan.FromSeconds(3)), TimeSpan.FromSeconds(5));
            return stats.Regions.Count;
        }, regions => regions == gateways, $"the shard coordinator knows all {gateways} gateways' regions (regions known)");
        return node;
    }

    public void Forget(TestNode node) => _nodes.Remove(node);

    public static RouterClusterSettings Options(string strategy, params EndpointDefinition[] endpoints) => new()
    {
        Groups = endpoints.Select(e => e.ModelGroup).Distinct().Select(g => new ModelGroupDefinition(g, strategy)).ToList(),
        Endpoints = endpoints,
        Endpoint = new() { LeaseSweepInterval = TimeSpan.FromMilliseconds(100), SnapshotInterval = TimeSpan.FromMilliseconds(50) },
    };

    public async ValueTask DisposeAsync()
    {
        // Stop in reverse so the oldest (coordinator) goes last and hand-offs stay quick.
        foreach (var node in Enumerable.Reverse(_nodes)) await node.DisposeAsync();
        _nodes.Clear();
    }
}
