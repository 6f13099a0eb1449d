using Akka.Actor;
using Akka.Cluster.Sharding;

namespace Router.Bench;

/// <summary>Which node hosts each endpoint entity, read from every node's shard region.</summary>
public sealed class ShardMap
{
    private readonly Dictionary<string, int> _nodeOfEntity = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _nodeOfShard = new(StringComparer.Ordinal);

    public static async Task<ShardMap> ReadAsync(BenchCluster cluster)
    {
        var map = new ShardMap();
        for (var node = 0; node < cluster.Nodes.Count; node++)
        {
            var state = await cluster.Nodes[node].Region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(10));
            foreach (var shard in state.Shards)
            {
                map._nodeOfShard[shard.ShardId] = node;
                foreach (var entity in shard.EntityIds) map._nodeOfEntity[entity] = node;
            }
        }
        return map;
    }

    /// <summary>The node hosting <paramref name="endpointId"/>, or -1 when no node has it running.</summary>
    public int NodeOf(string endpointId) => _nodeOfEntity.GetValueOrDefault(endpointId, -1);

    /// <summary>Shards hosted on a different node in <paramref name="later"/> than here (hand-offs, rebalancing).</summary>
    public int ShardsMovedIn(ShardMap later) =>
        _nodeOfShard.Count(s => later._nodeOfShard.TryGetValue(s.Key, out var node) && node != s.Value);

    public IEnumerable<int> EntitiesPerNode(int nodes) =>
        Enumerable.Range(0, nodes).Select(n => _nodeOfEntity.Values.Count(v => v == n));
}
