using System.Text.Json;
using Router.AdminApi;

namespace Router.Cli.Tests;

public sealed class ClusterCommandTests : IClassFixture<FakeAdminApi>
{
    private readonly FakeAdminApi api;

    public ClusterCommandTests(FakeAdminApi api)
    {
        this.api = api;
        api.Reset();
    }

    [Fact]
    public async Task Show_prints_a_members_table_with_leader_self_and_reachability()
    {
        var result = await Cli.Against(api, "cluster", "show");

        result.ExitCode.Should().Be(0, result.ToString());
        api.LastRequest.Should().Match<RecordedRequest>(r => r.Method == "GET" && r.Path == "/admin/cluster");
        var lines = result.Out.Split('\n');
        lines[0].Should().MatchRegex(@"^ADDRESS\s+STATUS\s+ROLES\s+REACHABLE\s+UP#");
        lines.Single(l => l.StartsWith(FakeAdminApi.Self)).Should().MatchRegex(@"Up\s+gateway\s+yes\s+1\s+leader, self");
        lines.Single(l => l.StartsWith(FakeAdminApi.Second)).Should().MatchRegex(@"Up\s+gateway,billing\s+yes\s+2");
        lines.Single(l => l.StartsWith(FakeAdminApi.Third)).Should().MatchRegex(@"Up\s+gateway\s+no\s+3");
        lines.Single(l => l.StartsWith(FakeAdminApi.Joining)).Should().MatchRegex(@"Joining\s+-\s+yes\s+0");
        result.Out.Should().Contain($"self:   {FakeAdminApi.Self}").And.Contain($"leader: {FakeAdminApi.Self}");
    }

    [Fact]
    public async Task Show_with_json_prints_the_raw_cluster_view()
    {
        var result = await Cli.Against(api, "cluster", "show", "--json");

        result.ExitCode.Should().Be(0, result.ToString());
        result.Out.Should().Contain("\n  \"self\"", "the JSON is indented");
        JsonSerializer.Deserialize<ClusterView>(result.Out, FakeAdminApi.Json).Should().BeEquivalentTo(FakeAdminApi.Cluster);
    }

    [Fact]
    public async Task Status_is_one_line_with_self_status_members_up_unreachable_and_leader()
    {
        var result = await Cli.Against(api, "cluster", "status");

        result.ExitCode.Should().Be(0, result.ToString());
        result.Out.TrimEnd().Should().Be($"self Up, 3 of 4 members up, 1 unreachable, leader {FakeAdminApi.Self}");
    }

    [Fact]
    public async Task Leader_prints_the_leader_address()
    {
        var result = await Cli.Against(api, "cluster", "leader");

        result.ExitCode.Should().Be(0, result.ToString());
        result.Out.Trim().Should().Be(FakeAdminApi.Self);
    }

    [Fact]
    public async Task Leave_without_an_address_asks_this_node_to_leave()
    {
        var result = await Cli.Against(api, "cluster", "leave");

        result.ExitCode.Should().Be(0, result.ToString());
        api.LastRequest.Method.Should().Be("POST");
        api.LastRequest.Path.Should().Be("/admin/cluster/leave");
        api.LastRequest.BodyAs<AddressRequest>().Address.Should().BeNull();
        result.Out.Trim().Should().Be($"{FakeAdminApi.Self} is leaving");
    }

    [Fact]
    public async Task Leave_with_an_address_sends_it()
    {
        var result = await Cli.Against(api, "cluster", "leave", FakeAdminApi.Second);

        result.ExitCode.Should().Be(0, result.ToString());
        api.LastRequest.BodyAs<AddressRequest>().Should().Be(new AddressRequest(FakeAdminApi.Second));
    }

    [Fact]
    public async Task Down_posts_the_address()
    {
        var result = await Cli.Against(api, "cluster", "down", FakeAdminApi.Third);

        result.ExitCode.Should().Be(0, result.ToString());
        api.LastRequest.Should().Match<RecordedRequest>(r => r.Method == "POST" && r.Path == "/admin/cluster/down");
        api.LastRequest.BodyAs<AddressRequest>().Should().Be(new AddressRequest(FakeAdminApi.Third));
        result.Out.Should().Contain("marked as down");
    }

    [Fact]
    public async Task Down_without_an_address_is_a_usage_error_and_sends_nothing()
    {
        var result = await Cli.Against(api, "cluster", "down");

        result.ExitCode.Should().Be(2);
        result.Err.Should().Contain("missing argument <address>").And.Contain("usage: routerctl [host:port] cluster down <address>");
        api.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task Down_unreachable_posts_without_a_body()
    {
        var result = await Cli.Against(api, "cluster", "down-unreachable");

        result.ExitCode.Should().Be(0, result.ToString());
        api.LastRequest.Should().Match<RecordedRequest>(r => r.Method == "POST" && r.Path == "/admin/cluster/down-unreachable" && r.Body == "");
        result.Out.Trim().Should().Be("1 unreachable member marked as down");
    }

    [Fact]
    public async Task Join_posts_the_address_and_json_prints_the_admin_message()
    {
        var result = await Cli.Against(api, "cluster", "join", FakeAdminApi.Second, "--json");

        result.ExitCode.Should().Be(0, result.ToString());
        api.LastRequest.Should().Match<RecordedRequest>(r => r.Method == "POST" && r.Path == "/admin/cluster/join");
        api.LastRequest.BodyAs<AddressRequest>().Should().Be(new AddressRequest(FakeAdminApi.Second));
        JsonSerializer.Deserialize<AdminMessage>(result.Out, FakeAdminApi.Json).Should().Be(new AdminMessage($"joining {FakeAdminApi.Second}"));
    }

    [Fact]
    public async Task Tail_prints_each_event_until_the_stream_ends()
    {
        var result = await Cli.Against(api, "cluster", "tail");

        result.ExitCode.Should().Be(0, result.ToString());
        api.LastRequest.Should().Match<RecordedRequest>(r => r.Method == "GET" && r.Path == "/admin/cluster/events");
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(3);
        lines[0].Should().MatchRegex($@"^2025-06-01 12:00:00\.000Z\s+member-up\s+{FakeAdminApi.Second}\s+Up$");
        lines[2].Should().Contain("member-removed").And.Contain(FakeAdminApi.Joining).And.EndWith("Removed");
        result.Err.Should().Contain("the node ended the event stream");
    }

    [Fact]
    public async Task Tail_with_json_prints_the_raw_ndjson_lines()
    {
        var result = await Cli.Against(api, "cluster", "tail", "--json");

        result.ExitCode.Should().Be(0, result.ToString());
        var events = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonSerializer.Deserialize<MemberEventView>(l, FakeAdminApi.Json)).ToList();
        events.Should().Equal(FakeAdminApi.Events);
    }

    [Fact]
    public async Task Tail_runs_until_interrupted_and_then_exits_0()
    {
        api.EventsStayOpen = true;
        var output = new ObservableWriter();
        var error = new StringWriter();
        var interrupts = new InterruptSource();

        var run = RouterCtl.RunAsync([api.Address, "cluster", "tail", "--token", FakeAdminApi.Token], TextReader.Null, output, error, null, interrupts);
        await output.WaitForAsync("member-removed", TimeSpan.FromSeconds(5));
        run.IsCompleted.Should().BeFalse("the node keeps the stream open");
        interrupts.Interrupt().Should().BeTrue();

        (await run.WaitAsync(TimeSpan.FromSeconds(5))).Should().Be(0, error.ToString());
        output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(3);
    }
}
