using Router.AdminApi;

namespace Router.Admin.Tests;

/// <summary>
/// Each gateway with its own SQLite registry file (two hosts, Registry:AllowLocal): a change made with routerctl
/// survives the registry singleton moving to the node whose file never saw it.
/// </summary>
[Collection(nameof(AdminTests))]
public sealed class LocalRegistryMoveTests : IAsyncLifetime
{
    private readonly AdminCluster _cluster = new() { RegistryPerNode = true };

    public Task InitializeAsync() => _cluster.InitializeAsync();
    public Task DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task A_limit_changed_with_routerctl_does_not_revert_when_the_registry_moves_to_a_node_with_its_own_file()
    {
        (await AdminCluster.Ctl(_cluster.B, "router", "endpoint", "limits", "route-1", "--max-in-flight", "2")).Exit.Should().Be(0);
        (await AdminCluster.Ctl(_cluster.B, "router", "endpoint", "drain", "bad-1")).Exit.Should().Be(0);

        await _cluster.StopAAsync(); // A is the oldest node: it hosts the registry, whose journal (A's file) has the changes

        // A change through the registry's new incarnation on B: once it is answered, that incarnation has started.
        await Eventually.Until(() => AdminCluster.Ctl(_cluster.B, "router", "endpoint", "weight", "concurrent-1", "3"), r => r.Exit == 0,
            "the registry answers on B", TimeSpan.FromSeconds(60));
        await Eventually.Until(async () =>
            (await AdminCluster.Ctl(_cluster.B, "router", "endpoints", "--json")).Json<List<EndpointView>>().Single(e => e.Definition.Id == "concurrent-1").Definition.Weight == 3,
            "B's directory has the new incarnation's change");

        var endpoints = (await AdminCluster.Ctl(_cluster.B, "router", "endpoints", "--json")).Json<List<EndpointView>>().ToDictionary(e => e.Definition.Id);
        endpoints["route-1"].Definition.MaxInFlight.Should().Be(2, "the registry's new incarnation adopts the replicated directory over its own empty file");
        endpoints["bad-1"].Definition.Drained.Should().BeTrue();
    }
}
