using Router.Node;
using System.Diagnostics;
using Router.AdminApi;

namespace Router.Admin.Tests;

/// <summary>Every routerctl command against a real 2-node cluster; --json output is parsed back into the contract.</summary>
[Collection(nameof(AdminTests))]
public sealed class RouterCtlClusterTests(AdminCluster cluster) : IClassFixture<AdminCluster>
{
    private GatewayNode A => cluster.A;
    private GatewayNode B => cluster.B;

    [Fact]
    public async Task Cluster_palette_shows_members_leader_and_status_and_refuses_bad_addresses()
    {
        var show = await AdminCluster.Ctl(A, "cluster", "show", "--json");
        show.Exit.Should().Be(0, show.ToString());
        var view = show.Json<ClusterView>();
        view.Members.Should().HaveCount(2).And.OnlyContain(m => m.Status == "Up" && m.Reachable && m.Roles.Contains("gateway"));
        view.Leader.Should().NotBeNull();

        var table = await AdminCluster.Ctl(B, "cluster", "show");
        table.Exit.Should().Be(0);
        foreach (var member in view.Members) table.Output.Should().Contain(member.Address);

        (await AdminCluster.Ctl(A, "cluster", "status")).Output.Should().Contain("2");
        (await AdminCluster.Ctl(A, "cluster", "leader")).Output.Should().Contain(view.Leader!);
        (await AdminCluster.Ctl(A, "cluster", "join", view.Leader!)).Exit.Should().Be(0, "joining the cluster one is in is harmless");
        (await AdminCluster.Ctl(A, "cluster", "down-unreachable")).Output.Should().Contain("no unreachable members");

        var notMember = await AdminCluster.Ctl(A, "cluster", "down", "akka.tcp://llm-router@10.9.9.9:1");
        notMember.Exit.Should().Be(1);
        notMember.Error.Should().Contain("not a member");
        var malformed = await AdminCluster.Ctl(A, "cluster", "down", "not-an-address");
        malformed.Exit.Should().NotBe(0);
    }

    [Fact]
    public async Task Cluster_tail_streams_membership_events_until_interrupted()
    {
        var address = new Uri(A.AdminUrls[0]).Authority;
        var stdout = new StringWriter();
        var interrupts = new Router.Cli.InterruptSource();
        var tail = Router.Cli.RouterCtl.RunAsync([address, "cluster", "tail", "--token", AdminCluster.Token],
            TextReader.Null, TextWriter.Synchronized(stdout), TextWriter.Null, null, interrupts);
        await Eventually.Until(() => Task.FromResult(stdout.ToString().Contains("MemberUp")), "the current members are streamed");
        interrupts.Interrupt();
        (await tail).Should().Be(0);
    }

    [Fact]
    public async Task Sharding_palette_lists_each_gateways_region()
    {
        ShardingView view = null!;
        await Eventually.Until(async () =>
        {
            var regions = await AdminCluster.Ctl(B, "sharding", "regions", "--json");
            regions.Exit.Should().Be(0, regions.ToString());
            view = regions.Json<ShardingView>();
            return view.Regions.Count == 2;
        }, "both gateways' regions are listed");
        view.TotalEntities.Should().Be(view.Regions.Sum(r => r.Entities));
        (await AdminCluster.Ctl(B, "sharding", "stats")).Exit.Should().Be(0);
    }

    [Fact]
    public async Task An_endpoint_added_on_A_is_routed_to_from_B_within_seconds()
    {
        var add = await AdminCluster.Ctl(A, "router", "endpoint", "add", "route", "route-2", cluster.Slow.ApiBaseUrl.Replace(cluster.Slow.BaseUrl, cluster.Fast.BaseUrl),
            "--weight", "3", "--max-in-flight", "10", "--tags", "eu,fast");
        add.Exit.Should().Be(0, add.ToString());
        var drain = await AdminCluster.Ctl(A, "router", "endpoint", "drain", "route-1");
        drain.Exit.Should().Be(0, drain.ToString());

        // With route-1 drained, B can only serve the group through the endpoint added on A.
        using var http = new HttpClient();
        var since = Stopwatch.StartNew();
        await Eventually.Until(async () =>
        {
            var response = await http.PostAsync(B.Urls[0] + "/v1/chat/completions",
                new StringContent("""{"model":"route","messages":[{"role":"user","content":"hi"}]}"""));
            return response.IsSuccessStatusCode && response.Headers.GetValues("x-router-endpoint").Single() == "route-2";
        }, "B routes to the endpoint added on A", TimeSpan.FromSeconds(5));
        // The directory reaches B in about 50 ms; the bound leaves room for a loaded CI machine (it failed once at 1 s).
        since.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));

        var shown = (await AdminCluster.Ctl(B, "router", "endpoint", "show", "route-2", "--json")).Json<EndpointView>();
        shown.Definition.Weight.Should().Be(3);
        shown.Definition.MaxInFlight.Should().Be(10);
        shown.Definition.Tags.Should().Equal("eu", "fast");

        (await AdminCluster.Ctl(B, "router", "endpoint", "weight", "route-2", "5")).Exit.Should().Be(0);
        (await AdminCluster.Ctl(A, "router", "endpoint", "limits", "route-2", "--rpm", "600", "--tpm", "100000")).Exit.Should().Be(0);
        (await AdminCluster.Ctl(A, "router", "group", "strategy", "route", "least-busy")).Exit.Should().Be(0);
        await Eventually.Until(async () =>
        {
            var endpoint = (await AdminCluster.Ctl(B, "router", "endpoint", "show", "route-2", "--json")).Json<EndpointView>();
            return endpoint.Definition is { Weight: 5, Rpm: 600, Tpm: 100000 };
        }, "B sees the changes made on both nodes");
        await Eventually.Until(async () => (await AdminCluster.Ctl(B, "router", "groups", "--json")).Json<List<GroupView>>()
            .Single(g => g.Name == "route") is { Strategy: "least-busy", Endpoints: 2 }, "B sees the strategy set on A", TimeSpan.FromSeconds(5));

        var stats = (await AdminCluster.Ctl(B, "router", "stats", "--json")).Json<ClusterStatsView>();
        stats.Groups.Single(s => s.Group == "route").Requests.Should().BeGreaterThan(0);

        (await AdminCluster.Ctl(A, "router", "endpoint", "undrain", "route-1")).Exit.Should().Be(0);
        (await AdminCluster.Ctl(A, "router", "endpoint", "remove", "route-2")).Exit.Should().Be(0);
        await Eventually.Until(async () =>
            (await AdminCluster.Ctl(B, "router", "endpoints", "route", "--json")).Json<List<EndpointView>>().Select(e => e.Definition.Id).SequenceEqual(["route-1"]),
            "the removal reaches B");
    }

    [Fact]
    public async Task Drain_lets_requests_in_flight_finish_showing_draining_then_drained()
    {
        using var http = new HttpClient();
        var inFlight = http.PostAsync(A.Urls[0] + "/v1/chat/completions",
            new StringContent("""{"model":"drain","messages":[{"role":"user","content":"slow"}]}"""));
        await Eventually.Until(async () => (await Endpoint(B, "drain-1")).Snapshot.InFlight == 1, "the slow request holds a lease");

        (await AdminCluster.Ctl(B, "router", "endpoint", "drain", "drain-1")).Exit.Should().Be(0);
        // The drain replicates to every node's directory; the endpoint's actor refuses once its own node has it.
        await Eventually.Until(async () => (await Endpoint(A, "drain-1")).State == "draining" && (await Endpoint(B, "drain-1")).State == "draining",
            "both nodes show the endpoint draining while its request is in flight", TimeSpan.FromSeconds(4));
        var refused = await http.PostAsync(B.Urls[0] + "/v1/chat/completions",
            new StringContent("""{"model":"drain","messages":[{"role":"user","content":"new"}]}"""));
        ((int)refused.StatusCode).Should().Be(503, "a drained endpoint gets no new leases");

        (await inFlight).IsSuccessStatusCode.Should().BeTrue("the request already in flight finishes");
        await Eventually.Until(async () => (await Endpoint(A, "drain-1")).State == "drained", "the drain completes");
        var table = await AdminCluster.Ctl(A, "router", "endpoints", "drain");
        table.Output.Should().Contain("drained");
        (await AdminCluster.Ctl(A, "router", "endpoint", "undrain", "drain-1")).Exit.Should().Be(0);
    }

    [Fact]
    public async Task Wrong_token_and_unreachable_node_fail_with_distinct_exit_codes()
    {
        var wrong = await AdminCluster.CtlWithToken(A, "not-the-token", "router", "groups");
        wrong.Exit.Should().Be(4);
        wrong.Error.Should().Contain("token");

        var stderr = new StringWriter();
        var unreachable = await Router.Cli.RouterCtl.RunAsync(["127.0.0.1:1", "cluster", "show", "--token", AdminCluster.Token], TextReader.Null, TextWriter.Null, stderr);
        unreachable.Should().Be(3);
        stderr.ToString().Should().Contain("cannot reach");
    }

    public static TheoryData<string[], string> BadInputs() => new()
    {
        { ["router", "endpoint", "add", "no-such-group", "x-1", "http://127.0.0.1:9/v1"], "does not exist" },
        { ["router", "endpoint", "add", "bad", "bad-1", "http://127.0.0.1:9/v1"], "already exists" },
        { ["router", "endpoint", "add", "bad", "bad-2", "http://127.0.0.1:9/v1", "--weight", "-2"], "weight" },
        { ["router", "endpoint", "weight", "no-such-endpoint", "2"], "does not exist" },
        { ["router", "endpoint", "weight", "bad-1", "-1"], "weight" },
        { ["router", "endpoint", "limits", "bad-1", "--rpm", "-5"], "rpm" },
        { ["router", "endpoint", "remove", "no-such-endpoint"], "does not exist" },
        { ["router", "endpoint", "drain", "no-such-endpoint"], "does not exist" },
        { ["router", "group", "strategy", "bad", "fastest-please"], "unknown strategy" },
        { ["router", "group", "strategy", "no-such-group", "latency"], "does not exist" },
        { ["router", "endpoints", "no-such-group"], "does not exist" },
        // Ids outside the documented set could never be shown, drained or removed again (issue 11).
        { ["router", "endpoint", "add", "bad", "bad id/../x", "http://127.0.0.1:9/v1"], "endpoint id 'bad id/../x' is not a valid id" },
        { ["router", "endpoint", "add", "bad", ".bad", "http://127.0.0.1:9/v1"], "is not a valid id" },
        { ["router", "endpoint", "add", "bad", new string('a', 129), "http://127.0.0.1:9/v1"], "is not a valid id" },
        // Start-up refuses an ApiKeyEnv the node cannot read; so does an admin write, instead of calling the upstream without a key.
        { ["router", "endpoint", "add", "bad", "bad-4", "http://127.0.0.1:9/v1", "--api-key-env", "ROUTER_ADMIN_TESTS_SURELY_UNSET_KEY"],
          "ApiKeyEnv names 'ROUTER_ADMIN_TESTS_SURELY_UNSET_KEY', which is not set in this node's environment" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_fails_with_a_clear_message_and_leaves_the_registry_unchanged(string[] command, string problem)
    {
        var before = await Registry();
        var result = await AdminCluster.Ctl(A, command);
        result.Exit.Should().NotBe(0, result.ToString());
        (result.Error + result.Output).Should().Contain(problem);
        (await Registry()).Should().Be(before);
    }

    [Fact]
    public async Task Malformed_urls_are_refused_before_or_by_the_server()
    {
        var before = await Registry();
        var result = await AdminCluster.Ctl(A, "router", "endpoint", "add", "bad", "bad-3", "ftp:/nope");
        result.Exit.Should().NotBe(0);
        (result.Error + result.Output).Should().Contain("url");
        (await Registry()).Should().Be(before);
    }

    [Fact]
    public async Task An_id_in_the_documented_set_is_accepted_and_can_be_shown_drained_and_removed()
    {
        const string id = "bad-ok_1.v2:eu";
        (await AdminCluster.Ctl(A, "router", "endpoint", "add", "bad", id, "http://127.0.0.1:9/v1")).Exit.Should().Be(0);
        try
        {
            // The registry answers before the node's replicated directory has the endpoint: wait for it to show.
            await Eventually.Until(async () => (await AdminCluster.Ctl(A, "router", "endpoint", "show", id)).Exit == 0, $"'{id}' can be shown");
            (await Endpoint(A, id)).Definition.Id.Should().Be(id);
            (await AdminCluster.Ctl(A, "router", "endpoint", "drain", id)).Exit.Should().Be(0);
        }
        finally
        {
            (await AdminCluster.Ctl(A, "router", "endpoint", "remove", id)).Exit.Should().Be(0);
        }
    }

    [Fact]
    public async Task A_group_named_with_a_slash_can_be_listed_and_its_strategy_changed()
    {
        (await AdminCluster.Ctl(A, "router", "group", "strategy", "org/model", "least-busy")).Exit.Should().Be(0);

        await Eventually.Until(async () => (await AdminCluster.Ctl(A, "router", "groups", "--json")).Json<List<GroupView>>()
            .Any(g => g.Name == "org/model" && g.Strategy == "least-busy"), "the strategy change is seen");
        (await AdminCluster.Ctl(A, "router", "endpoints", "org/model", "--json")).Json<List<EndpointView>>()
            .Should().ContainSingle().Which.Definition.Id.Should().Be("org-model-1");
    }

    [Fact]
    public async Task Json_errors_are_json_with_the_same_exit_code_and_readable_quotes()
    {
        var result = await AdminCluster.Ctl(A, "router", "endpoint", "remove", "no-such-endpoint", "--json");

        result.Exit.Should().Be(1, result.ToString());
        result.Error.Should().BeEmpty("with --json the error is the document on stdout");
        using var document = System.Text.Json.JsonDocument.Parse(result.Output);
        var error = document.RootElement.GetProperty("error");
        error.GetProperty("message").GetString().Should().Be("endpoint 'no-such-endpoint' does not exist");
        error.GetProperty("type").GetString().Should().Be("refused");
        error.GetProperty("exitCode").GetInt32().Should().Be(1);
        error.GetProperty("status").GetInt32().Should().Be(404);
        result.Output.Should().NotContain("\\u0027");
    }

    [Fact]
    public async Task The_admin_api_writes_quotes_as_they_are()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"{A.AdminUrls[0]}/admin/router/endpoints/no-such-endpoint");
        request.Headers.Authorization = new("Bearer", AdminCluster.Token);

        using var response = await http.SendAsync(request);

        response.StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync()).Should().Be("{\"error\":\"endpoint 'no-such-endpoint' does not exist\"}");
    }

    [Fact]
    public async Task Concurrent_changes_from_both_nodes_lose_nothing()
    {
        var adds = Enumerable.Range(0, 16).Select(i => AdminCluster.Ctl(i % 2 == 0 ? A : B,
            "router", "endpoint", "add", "concurrent", $"concurrent-x{i}", $"http://127.0.0.1:{9000 + i}/v1"));
        (await Task.WhenAll(adds)).Should().OnlyContain(r => r.Exit == 0);
        foreach (var node in new[] { A, B })
            await Eventually.Until(async () =>
                (await AdminCluster.Ctl(node, "router", "endpoints", "concurrent", "--json")).Json<List<EndpointView>>().Count == 17,
                "every node sees all 16 added endpoints");
    }

    private static async Task<EndpointView> Endpoint(GatewayNode node, string id) =>
        (await AdminCluster.Ctl(node, "router", "endpoint", "show", id, "--json")).Json<EndpointView>();

    /// <summary>The registry's definitions (not the live counters), as one comparable string.</summary>
    private async Task<string> Registry()
    {
        var endpoints = (await AdminCluster.Ctl(A, "router", "endpoints", "--json")).Json<List<EndpointView>>();
        var groups = (await AdminCluster.Ctl(A, "router", "groups", "--json")).Json<List<GroupView>>();
        return System.Text.Json.JsonSerializer.Serialize(new { groups, definitions = endpoints.Select(e => e.Definition) });
    }
}

[CollectionDefinition(nameof(AdminTests), DisableParallelization = true)]
public class AdminTests;
