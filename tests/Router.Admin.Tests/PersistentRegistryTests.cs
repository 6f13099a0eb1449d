using Router.AdminApi;

namespace Router.Admin.Tests;

/// <summary>
/// The registry's journal, for each provider (SQLite, PostgreSQL): runtime changes are persisted and survive the whole
/// cluster stopping and starting again, changes made on both nodes at once are all kept, and refused input leaves the
/// journal unchanged. Each case runs its own 2-node cluster with its own journal (file or database).
/// </summary>
[Collection(nameof(AdminTests))]
public sealed class PersistentRegistryTests
{
    public static TheoryData<string> Providers => RegistryProviders.All;

    [SkippableTheory]
    [MemberData(nameof(Providers))]
    public async Task Registry_changes_survive_a_full_cluster_restart(string provider)
    {
        await using var run = await Start(provider);
        var cluster = run.Cluster;
        (await AdminCluster.Ctl(cluster.A, "router", "endpoint", "add", "route", "kept", "http://127.0.0.1:9001/v1", "--weight", "4")).Exit.Should().Be(0);
        (await AdminCluster.Ctl(cluster.B, "router", "endpoint", "add", "route", "gone", "http://127.0.0.1:9002/v1")).Exit.Should().Be(0);
        (await AdminCluster.Ctl(cluster.B, "router", "endpoint", "remove", "gone")).Exit.Should().Be(0);
        (await AdminCluster.Ctl(cluster.A, "router", "endpoint", "weight", "route-1", "7")).Exit.Should().Be(0, "runtime changes override the configuration's entry");
        (await AdminCluster.Ctl(cluster.A, "router", "endpoint", "drain", "bad-1")).Exit.Should().Be(0);
        (await AdminCluster.Ctl(cluster.B, "router", "group", "strategy", "concurrent", "power-of-two")).Exit.Should().Be(0);

        if (cluster.PostgresDatabase is { } database)
            (await RegistryProviders.JournalRowsAsync(database)).Should().BeGreaterThan(0, "the registry journals to PostgreSQL");
        await cluster.StopNodesAsync();
        await cluster.StartNodesAsync();

        await Eventually.Until(async () =>
        {
            var endpoints = (await AdminCluster.Ctl(cluster.B, "router", "endpoints", "--json")).Json<List<EndpointView>>().ToDictionary(e => e.Definition.Id);
            return endpoints.TryGetValue("kept", out var kept) && kept.Definition.Weight == 4
                   && !endpoints.ContainsKey("gone")
                   && endpoints["route-1"].Definition.Weight == 7
                   && endpoints["bad-1"].Definition.Drained;
        }, "the restarted cluster has the registry as it was");
        var groups = (await AdminCluster.Ctl(cluster.A, "router", "groups", "--json")).Json<List<GroupView>>();
        groups.Single(g => g.Name == "concurrent").Strategy.Should().Be("power-of-two");
    }

    [SkippableTheory]
    [MemberData(nameof(Providers))]
    public async Task Concurrent_changes_from_both_nodes_are_all_kept_across_a_restart(string provider)
    {
        await using var run = await Start(provider);
        var cluster = run.Cluster;
        var adds = Enumerable.Range(0, 12).Select(i => AdminCluster.Ctl(i % 2 == 0 ? cluster.A : cluster.B,
            "router", "endpoint", "add", "concurrent", $"concurrent-x{i}", $"http://127.0.0.1:{9000 + i}/v1"));
        (await Task.WhenAll(adds)).Should().OnlyContain(r => r.Exit == 0);

        await cluster.StopNodesAsync();
        await cluster.StartNodesAsync();

        foreach (var node in new[] { cluster.A, cluster.B })
            await Eventually.Until(async () =>
                (await AdminCluster.Ctl(node, "router", "endpoints", "concurrent", "--json")).Json<List<EndpointView>>().Count == 13,
                "every node sees the configured endpoint and all 12 added ones after the restart");
    }

    [SkippableTheory]
    [MemberData(nameof(Providers))]
    public async Task Refused_input_leaves_the_journal_unchanged(string provider)
    {
        await using var run = await Start(provider);
        var cluster = run.Cluster;
        var before = await Registry(cluster);
        string[][] refused =
        [
            ["router", "endpoint", "add", "bad", "bad id/../x", "http://127.0.0.1:9/v1"],
            ["router", "endpoint", "add", "bad", "bad-1", "http://127.0.0.1:9/v1"],
            ["router", "endpoint", "add", "bad", "bad-2", "ftp://127.0.0.1:9/v1"],
            ["router", "endpoint", "add", "bad", "bad-3", "http://127.0.0.1:9/v1", "--api-key-env", "ROUTER_ADMIN_TESTS_SURELY_UNSET_KEY"],
            ["router", "endpoint", "weight", "bad-1", "-1"],
            ["router", "group", "strategy", "bad", "fastest-please"],
        ];
        foreach (var command in refused)
            (await AdminCluster.Ctl(cluster.B, command)).Exit.Should().Be(1, string.Join(' ', command));

        await cluster.StopNodesAsync();
        await cluster.StartNodesAsync();

        (await Registry(cluster)).Should().Be(before, "nothing refused reached the journal");
    }

    /// <summary>The registry's definitions (not the live counters), as one comparable string.</summary>
    private static async Task<string> Registry(AdminCluster cluster)
    {
        var endpoints = (await AdminCluster.Ctl(cluster.A, "router", "endpoints", "--json")).Json<List<EndpointView>>();
        var groups = (await AdminCluster.Ctl(cluster.A, "router", "groups", "--json")).Json<List<GroupView>>();
        return System.Text.Json.JsonSerializer.Serialize(new { groups, definitions = endpoints.Select(e => e.Definition).OrderBy(d => d.Id, StringComparer.Ordinal) });
    }

    private static async Task<Run> Start(string provider)
    {
        Skip.If(RegistryProviders.Unavailable(provider) is not null, RegistryProviders.Unavailable(provider));
        var cluster = new AdminCluster { Provider = provider };
        try
        {
            await cluster.InitializeAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return new Run(cluster);
    }

    private sealed class Run(AdminCluster cluster) : IAsyncDisposable
    {
        public AdminCluster Cluster { get; } = cluster;
        public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
    }
}
