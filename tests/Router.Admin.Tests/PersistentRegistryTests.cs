using Router.Messages.AdminApi;

namespace Router.Admin.Tests;

/// <summary>Runtime changes survive the whole cluster stopping and starting again from the same SQLite file.</summary>
[Collection(nameof(AdminTests))]
public sealed class PersistentRegistryTests : IAsyncLifetime
{
    private readonly AdminCluster _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();
    public Task DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task Registry_changes_survive_a_full_cluster_restart()
    {
        (await AdminCluster.Ctl(_cluster.A, "router", "endpoint", "add", "route", "kept", "http://127.0.0.1:9001/v1", "--weight", "4")).Exit.Should().Be(0);
        (await AdminCluster.Ctl(_cluster.B, "router", "endpoint", "add", "route", "gone", "http://127.0.0.1:9002/v1")).Exit.Should().Be(0);
        (await AdminCluster.Ctl(_cluster.B, "router", "endpoint", "remove", "gone")).Exit.Should().Be(0);
        (await AdminCluster.Ctl(_cluster.A, "router", "endpoint", "weight", "route-1", "7")).Exit.Should().Be(0, "runtime changes override the configuration's entry");
        (await AdminCluster.Ctl(_cluster.A, "router", "endpoint", "drain", "bad-1")).Exit.Should().Be(0);
        (await AdminCluster.Ctl(_cluster.B, "router", "group", "strategy", "concurrent", "power-of-two")).Exit.Should().Be(0);

        await _cluster.StopNodesAsync();
        await _cluster.StartNodesAsync();

        await AdminCluster.WaitUntil(async () =>
        {
            var endpoints = (await AdminCluster.Ctl(_cluster.B, "router", "endpoints", "--json")).Json<List<EndpointView>>().ToDictionary(e => e.Definition.Id);
            return endpoints.TryGetValue("kept", out var kept) && kept.Definition.Weight == 4
                   && !endpoints.ContainsKey("gone")
                   && endpoints["route-1"].Definition.Weight == 7
                   && endpoints["bad-1"].Definition.Drained;
        }, "the restarted cluster has the registry as it was");
        var groups = (await AdminCluster.Ctl(_cluster.A, "router", "groups", "--json")).Json<List<GroupView>>();
        groups.Single(g => g.Name == "concurrent").Strategy.Should().Be("power-of-two");
    }
}
