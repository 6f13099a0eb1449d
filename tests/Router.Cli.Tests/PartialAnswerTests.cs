using System.Text.Json;
using Router.AdminApi;

namespace Router.Cli.Tests;

/// <summary>
/// How routerctl shows an answer that is partial during an incident: the marks in the table, one warning line on stderr,
/// exit code 0, and `--json` carrying the marks. An answer without marks (an older node) prints no warning.
/// </summary>
public sealed class PartialAnswerTests : IClassFixture<FakeAdminApi>
{
    private readonly FakeAdminApi api;

    public PartialAnswerTests(FakeAdminApi api)
    {
        this.api = api;
        api.Reset();
    }

    private static EndpointView[] WithAzureEuUnreachable() =>
    [
        FakeAdminApi.Endpoints[0] with
        {
            Freshness = "unreachable", AgeSeconds = 4.2, Node = FakeAdminApi.Third, Note = $"its node {FakeAdminApi.Third} is unreachable from this node; its last snapshot is shown",
            NotAnswered = ["azure-eu"],
        },
        .. FakeAdminApi.Endpoints[1..].Select(e => e with { Node = FakeAdminApi.Second }),
    ];

    [Fact]
    public async Task Endpoints_answered_from_a_snapshot_are_marked_and_named_in_one_warning_with_exit_0()
    {
        api.EndpointAnswer = WithAzureEuUnreachable();

        var result = await Cli.Against(api, "router", "endpoints");

        result.ExitCode.Should().Be(0, result.ToString());
        result.Out.Split('\n').Single(l => l.StartsWith("azure-eu")).Should().MatchRegex(@"^azure-eu\s+gpt-4o\s+active \(unreachable, 4\.2 s old\)\s+7/50\s");
        result.Out.Split('\n').Single(l => l.StartsWith("vllm-local")).Should().MatchRegex(@"\scooling-down\s", "live endpoints carry no mark");
        result.Err.Trim().Should().Be("warning: 1 part did not answer in time and is not counted: azure-eu");

        var json = await Cli.Against(api, "router", "endpoints", "--json");
        json.ExitCode.Should().Be(0);
        json.Err.Should().Contain("azure-eu", "the warning comes with --json too");
        var views = JsonSerializer.Deserialize<EndpointView[]>(json.Out, FakeAdminApi.Json)!;
        views.Single(v => v.Definition.Id == "azure-eu").Should().Match<EndpointView>(v => v.Freshness == "unreachable" && v.AgeSeconds == 4.2 && v.Node == FakeAdminApi.Third);
    }

    [Fact]
    public async Task Endpoint_show_of_a_stale_endpoint_says_how_old_and_why()
    {
        api.EndpointAnswer = WithAzureEuUnreachable();

        var result = await Cli.Against(api, "router", "endpoint", "show", "azure-eu");

        result.ExitCode.Should().Be(0, result.ToString());
        result.Out.Should().MatchRegex($@"(?m)^freshness:\s+unreachable, 4\.2 s old: its node {System.Text.RegularExpressions.Regex.Escape(FakeAdminApi.Third)} is unreachable");
        result.Out.Should().MatchRegex($@"(?m)^node:\s+{System.Text.RegularExpressions.Regex.Escape(FakeAdminApi.Third)}$");
        result.Err.Trim().Should().Be("warning: 1 part did not answer in time and is not counted: azure-eu");
    }

    [Fact]
    public async Task Live_answers_and_answers_from_older_nodes_print_no_warning()
    {
        var result = await Cli.Against(api, "router", "endpoints");

        result.ExitCode.Should().Be(0, result.ToString());
        result.Err.Should().BeEmpty();
        (await Cli.Against(api, "router", "endpoint", "show", "azure-eu")).Out.Should().MatchRegex(@"(?m)^freshness:\s+live$");
    }

    [Fact]
    public async Task A_region_that_did_not_answer_is_shown_with_dashes_and_a_warning()
    {
        api.Sharding = FakeAdminApi.DefaultSharding with
        {
            TotalShards = 22, TotalEntities = 9,
            Regions = [.. FakeAdminApi.DefaultSharding.Regions.Take(2), new RegionView(FakeAdminApi.Third, 0, 0, null, false, "unreachable from this node: not asked")],
            NotAnswered = [FakeAdminApi.Third],
        };

        var regions = await Cli.Against(api, "sharding", "regions");
        regions.ExitCode.Should().Be(0, regions.ToString());
        regions.Out.Split('\n').Single(l => l.StartsWith(FakeAdminApi.Third)).Should().MatchRegex(@"\s-\s+-$");
        regions.Err.Trim().Should().Be($"warning: 1 gateway node did not answer in time and is not counted: {FakeAdminApi.Third}");

        var stats = await Cli.Against(api, "sharding", "stats");
        stats.ExitCode.Should().Be(0);
        stats.Out.Should().Contain("per region: min 10, max 12", "the spread is over the regions that answered");
        stats.Err.Should().Contain(FakeAdminApi.Third);
    }

    [Fact]
    public async Task Cluster_show_prints_who_observed_the_unreachable_member_and_the_resolver_countdown()
    {
        api.ClusterAnswer = FakeAdminApi.Cluster with
        {
            UnreachableMembers = [new UnreachableMemberView(FakeAdminApi.Third, "Up", ["gateway"], [FakeAdminApi.Self, FakeAdminApi.Second], new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero))],
            Resolver = new ResolverView("keep-majority", "gateway", 7, 5.25, "waiting", 3.4, new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero),
                "this side survives (2 of 3 gateway members are on this side): its leader downs the unreachable members", FakeAdminApi.Self, [FakeAdminApi.Third], []),
        };

        var show = await Cli.Against(api, "cluster", "show");
        show.ExitCode.Should().Be(0, show.ToString());
        show.Out.Should().Contain($"unreachable: {FakeAdminApi.Third} (Up, gateway) since 2025-06-01 12:00:00.000Z, observed by {FakeAdminApi.Self}, {FakeAdminApi.Second}")
            .And.Contain("resolver: keep-majority (only gateway members count), stable-after 7 s: waiting, decides in about 3.4 s")
            .And.Contain($"decision: this side survives (2 of 3 gateway members are on this side): its leader downs the unreachable members; carried out by the leader {FakeAdminApi.Self}")
            .And.Contain($"will down: {FakeAdminApi.Third}");

        var status = await Cli.Against(api, "cluster", "status");
        status.Out.Should().Contain("resolver waiting (3.4 s)");

        var json = await Cli.Against(api, "cluster", "show", "--json");
        JsonSerializer.Deserialize<ClusterView>(json.Out, FakeAdminApi.Json)!.Resolver!.WillDown.Should().Equal(FakeAdminApi.Third);
    }
}
