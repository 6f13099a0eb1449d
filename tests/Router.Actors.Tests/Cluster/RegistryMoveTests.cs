using Akka.Actor;
using Router.Actors.Hosting;
using Router.Messages.Admin;
using Router.Messages.Endpoints;

namespace Router.Actors.Tests.Cluster;

/// <summary>
/// The registry singleton moving (its node leaves) and rolling deploys (a node with a newer configuration joins).
/// Each node here has Akka's memory journal of its own, so a new incarnation finds no journal of the old one's changes.
/// </summary>
[Collection(nameof(ClusterTests))]
public class RegistryMoveTests
{
    private static readonly EndpointDefinition A = new("a", "chat", "http://10.0.0.1:8000/v1", MaxInFlight: 10);
    private static readonly EndpointDefinition B = new("b", "chat", "http://10.0.0.2:8000/v1");
    private static readonly EndpointDefinition New = new("new", "chat", "http://10.0.0.3:8000/v1", MaxInFlight: 4);

    [Fact]
    public async Task A_runtime_change_survives_the_registry_singleton_moving_to_a_node_with_its_own_journal()
    {
        await using var cluster = await TestCluster.StartAsync(3, TestCluster.Options("round-robin", A, B));
        await Command(cluster[1], new UpdateEndpoint("a", MaxInFlight: 2));
        await Command(cluster[2], new DrainEndpoint("b"));
        await EveryNodeSees(cluster, d => d.Endpoints["a"].MaxInFlight == 2 && d.Endpoints["b"].Drained, "the changes are replicated");

        await MoveTheSingletonAsync(cluster);

        foreach (var node in cluster.Nodes)
        {
            node.Runtime.Directory.Current.Endpoints["a"].MaxInFlight.Should().Be(2, "a runtime change never reverts when the registry moves");
            node.Runtime.Directory.Current.Endpoints["b"].Drained.Should().BeTrue();
        }
        // And the endpoint's own actor enforces the changed cap.
        (await cluster[0].StateOfAsync("a")).Definition!.MaxInFlight.Should().Be(2);
    }

    [Fact]
    public async Task An_endpoint_only_a_newer_nodes_configuration_has_appears_and_stays_when_the_registry_lives_on_older_nodes()
    {
        var old = TestCluster.Options("round-robin", A, B);
        await using var cluster = await TestCluster.StartAsync(2, old);
        var newer = await cluster.AddNodeAsync(old with { Endpoints = [A, B, New] });

        await EveryNodeSees(cluster, d => d.Endpoints.ContainsKey("new"), "the newer node's endpoint is added", TimeSpan.FromSeconds(15));
        await MoveTheSingletonAsync(cluster); // to the other old node

        foreach (var node in cluster.Nodes) node.Runtime.Directory.Current.Endpoints["new"].MaxInFlight.Should().Be(4);
        var lease = (await newer.RouteAsync(new Messages.Routing.RouteRequest("chat", "to-new", ExcludeEndpoints: ["a", "b"])))
            .Should().BeOfType<Messages.Routing.LeaseGranted>().Subject.Lease;
        lease.EndpointId.Should().Be("new");
    }

    [Fact]
    public async Task An_endpoint_removed_at_runtime_stays_removed_when_nodes_that_still_configure_it_join_and_the_registry_moves()
    {
        var options = TestCluster.Options("round-robin", A, B);
        await using var cluster = await TestCluster.StartAsync(2, options);
        await Command(cluster[1], new RemoveEndpoint("b"));
        await EveryNodeSees(cluster, d => !d.Endpoints.ContainsKey("b"), "the removal is replicated");

        var joined = await cluster.AddNodeAsync(options); // its configuration still lists b
        await Eventually.Until(async () => !await IsAlive(joined, "/user/llm-registry-configuration"),
            "the joined node's configuration was offered to the registry");
        await MoveTheSingletonAsync(cluster);

        foreach (var node in cluster.Nodes) node.Runtime.Directory.Current.Endpoints.Should().NotContainKey("b");
    }

    /// <summary>
    /// Stops the oldest node (it hosts the registry singleton) gracefully, then makes a change through the registry's
    /// new incarnation and waits until every node sees it: by then the new incarnation has started and written
    /// whatever it writes on start.
    /// </summary>
    private static async Task MoveTheSingletonAsync(TestCluster cluster)
    {
        var host = cluster[0];
        await host.StopAsync();
        cluster.Forget(host);
        await Eventually.Until(() => cluster.Nodes.All(n => n.Cluster.State.Members.Count == cluster.Nodes.Count), "the registry's node has left");
        await Eventually.Until(async () =>
        {
            try { return (await cluster[0].Directory.Ask<ManagementResult>(new UpsertModelGroup(new ModelGroupDefinition("marker")), TimeSpan.FromSeconds(3))).Succeeded; }
            catch (Akka.Actor.AskTimeoutException) { return false; }
        }, "the registry answers on its new node", TimeSpan.FromSeconds(45));
        await EveryNodeSees(cluster, d => d.Groups.ContainsKey("marker"), "the new incarnation's change is replicated");
    }

    private static async Task Command(TestNode node, IManagementCommand command)
    {
        var result = await node.Directory.Ask<ManagementResult>(command, TimeSpan.FromSeconds(15));
        result.Succeeded.Should().BeTrue(result.Message);
    }

    private static Task EveryNodeSees(TestCluster cluster, Func<Directory.DirectorySnapshot, bool> condition, string what, TimeSpan? timeout = null) =>
        Eventually.Until(() => cluster.Nodes.All(n => condition(n.Runtime.Directory.Current)), what, timeout);

    private static async Task<bool> IsAlive(TestNode node, string path)
    {
        try
        {
            await node.System.ActorSelection(path).ResolveOne(TimeSpan.FromSeconds(1));
            return true;
        }
        catch (ActorNotFoundException)
        {
            return false;
        }
    }
}
