using System.Text.RegularExpressions;
using System.Text.Json;
using System.Text.Json.Nodes;
using Router.AdminApi;

namespace Router.Cli.Tests;

public sealed class RouterCommandTests : IClassFixture<FakeAdminApi>
{
    private readonly FakeAdminApi api;

    public RouterCommandTests(FakeAdminApi api)
    {
        this.api = api;
        api.Reset();
    }

    [Fact]
    public async Task Groups_prints_a_table()
    {
        var result = await Cli.Against(api, "router", "groups");

        result.ExitCode.Should().Be(0, result.ToString());
        api.LastRequest.Should().Match<RecordedRequest>(r => r.Method == "GET" && r.Path == "/admin/router/groups");
        var lines = result.Out.Split('\n');
        lines[0].Should().MatchRegex(@"^NAME\s+STRATEGY\s+ENDPOINTS\s+FALLBACKS$");
        lines[1].Should().MatchRegex(@"^gpt-4o\s+latency\s+2\s+gpt-4o-mini$");
        lines[2].Should().MatchRegex(@"^gpt-4o-mini\s+round-robin\s+1\s+-$");
    }

    [Fact]
    public async Task Groups_with_json_parses_back_into_group_views()
    {
        var result = await Cli.Against(api, "router", "groups", "--json");

        result.ExitCode.Should().Be(0, result.ToString());
        JsonSerializer.Deserialize<GroupView[]>(result.Out, FakeAdminApi.Json).Should().BeEquivalentTo(FakeAdminApi.Groups);
    }

    [Fact]
    public async Task Endpoints_prints_live_state_with_limits()
    {
        var result = await Cli.Against(api, "router", "endpoints");

        result.ExitCode.Should().Be(0, result.ToString());
        api.LastRequest.Should().Match<RecordedRequest>(r => r.Method == "GET" && r.Path == "/admin/router/endpoints" && r.Query == "");
        var lines = result.Out.Split('\n');
        lines[0].Should().MatchRegex(@"^ID\s+GROUP\s+STATE\s+IN-FLIGHT\s+P50 MS\s+P95 MS\s+RPM\s+TPM\s+WEIGHT\s+CIRCUIT$");
        lines.Single(l => l.StartsWith("azure-eu")).Should().MatchRegex(@"^azure-eu\s+gpt-4o\s+active\s+7/50\s+420\s+910\s+120/600\s+45000/150000\s+2\s+closed$");
        lines.Single(l => l.StartsWith("vllm-local")).Should().MatchRegex(@"^vllm-local\s+gpt-4o\s+cooling-down\s+0/-\s+-\s+-\s+0/-\s+0/-\s+1\s+open$");
        lines.Single(l => l.StartsWith("mini-1")).Should().MatchRegex(@"drained.*\s+half-open$");
        result.Out.Should().Contain("3 endpoints, 1 active");
    }

    [Fact]
    public async Task Endpoints_of_one_group_passes_the_group_as_query()
    {
        var result = await Cli.Against(api, "router", "endpoints", "gpt-4o-mini");

        result.ExitCode.Should().Be(0, result.ToString());
        api.LastRequest.Query.Should().Be("?group=gpt-4o-mini");
        result.Out.Should().Contain("mini-1").And.NotContain("azure-eu");
    }

    [Fact]
    public async Task Endpoints_escapes_the_group_name()
    {
        var result = await Cli.Against(api, "router", "endpoints", "my group&x");

        result.ExitCode.Should().Be(0, result.ToString());
        api.LastRequest.Query.Should().Be("?group=my%20group%26x");
        result.Out.Trim().Should().Be("no endpoints in group my group&x");
    }

    [Fact]
    public async Task Endpoint_show_prints_key_value_lines()
    {
        var result = await Cli.Against(api, "router", "endpoint", "show", "azure-eu");

        result.ExitCode.Should().Be(0, result.ToString());
        api.LastRequest.Should().Match<RecordedRequest>(r => r.Method == "GET" && r.Path == "/admin/router/endpoints/azure-eu");
        result.Out.Should().MatchRegex(@"(?m)^id:\s+azure-eu$")
            .And.MatchRegex(@"(?m)^url:\s+https://eu\.example\.com/openai/v1$")
            .And.MatchRegex(@"(?m)^state:\s+active$")
            .And.MatchRegex(@"(?m)^in-flight:\s+7/50 \(peak 21\)$")
            .And.MatchRegex(@"(?m)^tpm:\s+45000/150000$")
            .And.MatchRegex(@"(?m)^latency ms:\s+p50 420, p95 910, mean 456 \(100 samples\)$")
            .And.MatchRegex(@"(?m)^api key env:\s+AZURE_EU_KEY$")
            .And.MatchRegex(@"(?m)^tags:\s+eu$");
    }

    [Fact]
    public async Task Endpoint_show_with_json_parses_back_into_an_endpoint_view()
    {
        var result = await Cli.Against(api, "router", "endpoint", "show", "vllm-local", "--json");

        result.ExitCode.Should().Be(0, result.ToString());
        result.Out.Should().Contain("\"circuit\": \"Open\"", "enums are strings");
        JsonSerializer.Deserialize<EndpointView>(result.Out, FakeAdminApi.Json).Should().BeEquivalentTo(FakeAdminApi.Endpoints[1]);
    }

    [Fact]
    public async Task Endpoint_show_of_an_unknown_id_fails_with_the_servers_message()
    {
        var result = await Cli.Against(api, "router", "endpoint", "show", "nope");

        result.ExitCode.Should().Be(1);
        result.Err.Trim().Should().Be("no endpoint 'nope'");
        result.Out.Should().BeEmpty();
    }

    [Fact]
    public async Task Endpoint_add_posts_an_endpoint_definition_with_every_option()
    {
        var result = await Cli.Against(api, "router", "endpoint", "add", "gpt-4o", "azure-us", "https://us.example.com/v1",
            "--weight", "3", "--max-in-flight", "40", "--rpm", "500", "--tpm", "3000000000", "--order", "1", "--tags", "us, prod",
            "--api-key-env", "AZURE_US_KEY", "--upstream-model", "gpt-4o-2024-08-06", "--context-window", "128000",
            "--input-cost", "0.0025", "--output-cost=0.01", "--auth", "api-key", "--api-version", "2024-10-21",
            "--header-env", "OpenAI-Organization=OPENAI_ORG, x-tenant=TENANT");

        result.ExitCode.Should().Be(0, result.ToString());
        result.Out.Trim().Should().Be("endpoint azure-us registered in gpt-4o");
        api.LastRequest.Should().Match<RecordedRequest>(r => r.Method == "POST" && r.Path == "/admin/router/endpoints");
        api.LastRequest.BodyAs<EndpointDefinitionDto>().Should().BeEquivalentTo(new EndpointDefinitionDto(
            "azure-us", "gpt-4o", "https://us.example.com/v1", ApiKeyEnv: "AZURE_US_KEY", UpstreamModel: "gpt-4o-2024-08-06",
            Weight: 3, MaxInFlight: 40, Rpm: 500, Tpm: 3_000_000_000, Order: 1, Tags: ["us", "prod"], ContextWindow: 128_000,
            InputCostPer1KTokens: 0.0025, OutputCostPer1KTokens: 0.01, Auth: "api-key", ApiVersion: "2024-10-21",
            HeadersFromEnv: new Dictionary<string, string> { ["OpenAI-Organization"] = "OPENAI_ORG", ["x-tenant"] = "TENANT" }));
        var json = JsonNode.Parse(api.LastRequest.Body)!.AsObject();
        json["modelGroup"]!.GetValue<string>().Should().Be("gpt-4o");
        json.Should().NotContainKey("tagsOrEmpty", "computed properties are no part of the contract");
    }

    [Fact]
    public async Task Endpoint_add_with_only_the_arguments_sends_the_defaults()
    {
        var result = await Cli.Against(api, "router", "endpoint", "add", "gpt-4o-mini", "sim-2", "sim://mini-2");

        result.ExitCode.Should().Be(0, result.ToString());
        api.LastRequest.BodyAs<EndpointDefinitionDto>().Should().BeEquivalentTo(new EndpointDefinitionDto("sim-2", "gpt-4o-mini", "sim://mini-2"));
    }

    [Theory]
    [InlineData(new[] { "router", "endpoint", "add", "gpt-4o", "x" }, "missing argument <url>")]
    [InlineData(new[] { "router", "endpoint", "add", "gpt-4o", "x", "http://h/v1", "--weight", "abc" }, "--weight must be an integer, got 'abc'")]
    [InlineData(new[] { "router", "endpoint", "add", "gpt-4o", "x", "http://h/v1", "--rpm", "1.5" }, "--rpm must be an integer, got '1.5'")]
    [InlineData(new[] { "router", "endpoint", "add", "gpt-4o", "x", "not a url" }, "<url> must be an absolute URL")]
    [InlineData(new[] { "router", "endpoint", "add", "gpt-4o", "x", "http://h/v1", "--colour", "red" }, "unknown option --colour for 'router endpoint add'")]
    [InlineData(new[] { "router", "endpoint", "add", "gpt-4o", "x", "http://h/v1", "--weight" }, "option --weight needs a value")]
    [InlineData(new[] { "router", "endpoint", "add", "gpt-4o", "x", "http://h/v1", "--header-env", "OpenAI-Organization" }, "--header-env takes HEADER=VARIABLE pairs")]
    public async Task Endpoint_add_argument_errors_exit_2_without_calling_the_node(string[] args, string message)
    {
        var result = await Cli.Against(api, args);

        result.ExitCode.Should().Be(2, result.ToString());
        result.Err.Should().Contain(message);
        api.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task Endpoint_add_that_the_node_rejects_exits_1()
    {
        var result = await Cli.Against(api, "router", "endpoint", "add", "gpt-4o", "x", "http://h/v1", "--weight", "0");

        result.ExitCode.Should().Be(1);
        result.Err.Trim().Should().Be("weight must be at least 1");
    }

    [Fact]
    public async Task Endpoint_remove_deletes()
    {
        var result = await Cli.Against(api, "router", "endpoint", "remove", "vllm-local");

        result.ExitCode.Should().Be(0, result.ToString());
        api.LastRequest.Should().Match<RecordedRequest>(r => r.Method == "DELETE" && r.Path == "/admin/router/endpoints/vllm-local");
        result.Out.Trim().Should().Be("endpoint vllm-local removed");
    }

    [Theory]
    [InlineData("drain", "endpoint azure-eu draining")]
    [InlineData("undrain", "endpoint azure-eu active")]
    public async Task Endpoint_drain_and_undrain_post_to_their_routes(string command, string message)
    {
        var result = await Cli.Against(api, "router", "endpoint", command, "azure-eu");

        result.ExitCode.Should().Be(0, result.ToString());
        api.LastRequest.Should().Match<RecordedRequest>(r => r.Method == "POST" && r.Path == $"/admin/router/endpoints/azure-eu/{command}");
        result.Out.Trim().Should().Be(message);
    }

    [Fact]
    public async Task Endpoint_ids_are_escaped_in_the_path()
    {
        var result = await Cli.Against(api, "router", "endpoint", "drain", "a/b c");

        result.ExitCode.Should().Be(1);
        api.LastRequest.Path.Should().Be("/admin/router/endpoints/a%2Fb c/drain", "the id stays one segment (ASP.NET decodes all but %2F)");
    }

    [Fact]
    public async Task Endpoint_weight_patches_only_the_weight()
    {
        var result = await Cli.Against(api, "router", "endpoint", "weight", "azure-eu", "5");

        result.ExitCode.Should().Be(0, result.ToString());
        api.LastRequest.Should().Match<RecordedRequest>(r => r.Method == "PATCH" && r.Path == "/admin/router/endpoints/azure-eu");
        api.LastRequest.Body.Should().Be("""{"weight":5}""");
        api.LastRequest.BodyAs<UpdateEndpointRequest>().Should().Be(new UpdateEndpointRequest(Weight: 5));
    }

    [Fact]
    public async Task Endpoint_weight_that_is_not_an_integer_exits_2()
    {
        var result = await Cli.Against(api, "router", "endpoint", "weight", "azure-eu", "heavy");

        result.ExitCode.Should().Be(2);
        result.Err.Should().Contain("<weight> must be an integer, got 'heavy'").And.Contain("router endpoint weight <id> <weight>");
        api.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task Endpoint_weight_that_is_negative_is_sent_and_the_nodes_refusal_exits_1()
    {
        var result = await Cli.Against(api, "router", "endpoint", "weight", "azure-eu", "-3");

        result.ExitCode.Should().Be(1);
        api.LastRequest.BodyAs<UpdateEndpointRequest>().Weight.Should().Be(-3);
        result.Err.Trim().Should().Be("weight must be at least 1");
    }

    [Fact]
    public async Task Endpoint_weight_without_the_id_exits_2()
    {
        var result = await Cli.Against(api, "router", "endpoint", "weight");

        result.ExitCode.Should().Be(2);
        result.Err.Should().Contain("missing argument <id>");
    }

    [Fact]
    public async Task Endpoint_limits_patches_only_the_given_limits()
    {
        var result = await Cli.Against(api, "router", "endpoint", "limits", "azure-eu", "--rpm", "60", "--tpm", "100000");

        result.ExitCode.Should().Be(0, result.ToString());
        api.LastRequest.Should().Match<RecordedRequest>(r => r.Method == "PATCH" && r.Path == "/admin/router/endpoints/azure-eu");
        api.LastRequest.Body.Should().Be("""{"rpm":60,"tpm":100000}""");
        api.LastRequest.BodyAs<UpdateEndpointRequest>().Should().Be(new UpdateEndpointRequest(Rpm: 60, Tpm: 100_000));
    }

    [Fact]
    public async Task Endpoint_limits_with_max_in_flight()
    {
        var result = await Cli.Against(api, "router", "endpoint", "limits", "azure-eu", "--max-in-flight", "8");

        result.ExitCode.Should().Be(0, result.ToString());
        api.LastRequest.BodyAs<UpdateEndpointRequest>().Should().Be(new UpdateEndpointRequest(MaxInFlight: 8));
    }

    [Fact]
    public async Task Endpoint_limits_without_any_limit_exits_2()
    {
        var result = await Cli.Against(api, "router", "endpoint", "limits", "azure-eu");

        result.ExitCode.Should().Be(2);
        result.Err.Should().Contain("nothing to change");
        api.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task Group_strategy_puts_the_strategy()
    {
        var result = await Cli.Against(api, "router", "group", "strategy", "gpt-4o", "least-busy");

        result.ExitCode.Should().Be(0, result.ToString());
        api.LastRequest.Should().Match<RecordedRequest>(r => r.Method == "PUT" && r.Path == "/admin/router/groups/gpt-4o/strategy");
        api.LastRequest.BodyAs<StrategyRequest>().Should().Be(new StrategyRequest("least-busy"));
        result.Out.Trim().Should().Be("group gpt-4o now routes with least-busy");
    }

    [Fact]
    public async Task Group_strategy_of_an_unknown_group_exits_1()
    {
        var result = await Cli.Against(api, "router", "group", "strategy", "nope", "latency");

        result.ExitCode.Should().Be(1);
        result.Err.Trim().Should().Be("unknown model group 'nope'");
    }

    [Fact]
    public async Task Stats_prints_the_cluster_sums_with_totals_and_each_node()
    {
        var result = await Cli.Against(api, "router", "stats");

        result.ExitCode.Should().Be(0, result.ToString());
        api.LastRequest.Should().Match<RecordedRequest>(r => r.Method == "GET" && r.Path == "/admin/router/stats");
        var lines = result.Out.Split('\n');
        lines[0].Should().MatchRegex(@"^GROUP\s+REQUESTS\s+ERRORS\s+ERROR %\s+RETRIES\s+FALLBACKS$");
        lines[1].Should().MatchRegex(@"^gpt-4o\s+1000\s+12\s+1\.2%\s+30\s+4$");
        lines[3].Should().MatchRegex(@"^total\s+1500\s+12\s+0\.8%\s+31\s+4$");
        lines[4].Should().BeEmpty();
        lines[5].Should().MatchRegex(@"^NODE\s+REQUESTS\s+ERRORS\s+RETRIES\s+FALLBACKS$");
        lines[6].Should().MatchRegex($@"^{Regex.Escape(FakeAdminApi.Self)}\s+1100\s+10\s+21\s+4$");
        lines[7].Should().MatchRegex($@"^{Regex.Escape(FakeAdminApi.Second)}\s+400\s+2\s+10\s+0$");
        result.Err.Should().BeEmpty("every node answered");
    }

    [Fact]
    public async Task Stats_with_a_node_that_did_not_answer_warns_naming_it_and_still_succeeds()
    {
        api.StatsPartial = true;

        var result = await Cli.Against(api, "router", "stats");

        result.ExitCode.Should().Be(0, "a partial answer is still an answer: {0}", result);
        result.Out.Should().MatchRegex($@"(?m)^{Regex.Escape(FakeAdminApi.Third)}\s+-\s+-\s+-\s+-$");
        result.Err.Trim().Should().Be($"warning: 1 gateway node did not answer in time and is not counted: {FakeAdminApi.Third}");

        var json = await Cli.Against(api, "router", "stats", "--json");
        json.ExitCode.Should().Be(0, json.ToString());
        JsonSerializer.Deserialize<ClusterStatsView>(json.Out, FakeAdminApi.Json)!.NotAnswered.Should().Equal(FakeAdminApi.Third);
    }

    [Fact]
    public async Task Stats_with_json_parses_back_into_the_cluster_stats()
    {
        var result = await Cli.Against(api, "router", "stats", "--json");

        result.ExitCode.Should().Be(0, result.ToString());
        var stats = JsonSerializer.Deserialize<ClusterStatsView>(result.Out, FakeAdminApi.Json)!;
        stats.Groups.Should().Equal(FakeAdminApi.Stats.Groups);
        stats.Nodes.Select(n => n.Address).Should().Equal(FakeAdminApi.Self, FakeAdminApi.Second);
        stats.Nodes[1].Groups.Should().Equal(FakeAdminApi.Stats.Nodes[1].Groups);
        stats.NotAnswered.Should().BeEmpty();
    }
}
