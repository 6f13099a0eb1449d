using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Router.Cluster.Tests;

/// <summary>
/// Three gateway processes (each with its own string-hash seed) agree on the replicated directory and then stop sending
/// it to each other: the directory costs nothing once settled, whatever its size. Read from each node's count of the
/// definitions it serialized (llm_router_remote_messages on /metrics).
/// </summary>
[Collection(nameof(ProcessClusterTests))]
public sealed partial class DirectoryGossipTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_settled_cluster_does_not_gossip_its_directory_again()
    {
        await using var cluster = await ProcessCluster.StartAsync();

        // Settled: no definition serialized on any node for 3 s (Distributed Data gossips every 500 ms).
        var last = await DefinitionsSerializedAsync(cluster);
        await Eventually.Until(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            var now = await DefinitionsSerializedAsync(cluster);
            var settled = now == last;
            last = now;
            return settled;
        }, "the nodes stop serializing directory entries", TimeSpan.FromSeconds(60), ProcessCluster.PollInterval, Eventually.TransientHttp);

        await Task.Delay(TimeSpan.FromSeconds(5)); // ten gossip rounds
        var after = await DefinitionsSerializedAsync(cluster);
        output.WriteLine($"GOSSIP definitions serialized by the three nodes: {last} when settled, {after} five seconds later");
        after.Should().Be(last, "nodes with the same directory have the same digest and send nothing");
    }

    private static async Task<long> DefinitionsSerializedAsync(ProcessCluster cluster)
    {
        long total = 0;
        foreach (var node in cluster.Nodes)
        {
            var metrics = await node.Admin.GetStringAsync("/metrics");
            foreach (Match line in DefinitionCount().Matches(metrics))
                total += (long)double.Parse(line.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return total;
    }

    [GeneratedRegex("""^llm_router_remote_messages[a-z_]*total\{[^}]*message="(EndpointDefinition|ModelGroupDefinition)"[^}]*\} (?<value>[0-9.e+]+)""", RegexOptions.Multiline)]
    private static partial Regex DefinitionCount();
}
