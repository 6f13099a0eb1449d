using System.Text.Json;
using Router.AdminApi;

namespace Router.Cli.Tests;

public sealed class ShardingCommandTests : IClassFixture<FakeAdminApi>
{
    private readonly FakeAdminApi api;

    public ShardingCommandTests(FakeAdminApi api)
    {
        this.api = api;
        api.Reset();
    }

    [Fact]
    public async Task Regions_prints_a_table_with_totals()
    {
        var result = await Cli.Against(api, "sharding", "regions");

        result.ExitCode.Should().Be(0, result.ToString());
        api.LastRequest.Should().Match<RecordedRequest>(r => r.Method == "GET" && r.Path == "/admin/sharding");
        var lines = result.Out.Split('\n');
        lines[0].Should().Be("type: endpoint");
        lines[1].Should().MatchRegex(@"^ADDRESS\s+SHARDS\s+ENTITIES$");
        lines.Single(l => l.StartsWith(FakeAdminApi.Second)).Should().MatchRegex(@"\s12\s+4$");
        lines.Single(l => l.StartsWith("total")).Should().MatchRegex(@"\s30\s+12$");
    }

    [Fact]
    public async Task Regions_show_endpoint_ids_when_the_node_reports_them()
    {
        api.Sharding = FakeAdminApi.DefaultSharding with
        {
            Regions = [new RegionView(FakeAdminApi.Self, 10, 2, ["azure-eu", "mini-1"]), new RegionView(FakeAdminApi.Second, 20, 1, [])],
        };

        var result = await Cli.Against(api, "sharding", "regions");

        result.ExitCode.Should().Be(0, result.ToString());
        var lines = result.Out.Split('\n');
        lines[1].Should().MatchRegex(@"^ADDRESS\s+SHARDS\s+ENTITIES\s+ENDPOINT IDS$");
        lines[2].Should().MatchRegex(@"\s10\s+2\s+azure-eu,mini-1$");
        lines[3].Should().MatchRegex(@"\s20\s+1\s+-$");
    }

    [Fact]
    public async Task Stats_prints_totals_and_spread_per_region()
    {
        var result = await Cli.Against(api, "sharding", "stats");

        result.ExitCode.Should().Be(0, result.ToString());
        result.Out.Should().MatchRegex(@"regions:\s+3")
            .And.MatchRegex(@"shards:\s+30 \(per region: min 8, max 12, mean 10\)")
            .And.MatchRegex(@"entities:\s+12 \(per region: min 3, max 5, mean 4\)");
    }

    [Fact]
    public async Task Regions_with_json_prints_the_raw_sharding_view()
    {
        var result = await Cli.Against(api, "sharding", "regions", "--json");

        result.ExitCode.Should().Be(0, result.ToString());
        JsonSerializer.Deserialize<ShardingView>(result.Out, FakeAdminApi.Json).Should().BeEquivalentTo(FakeAdminApi.DefaultSharding);
    }
}
