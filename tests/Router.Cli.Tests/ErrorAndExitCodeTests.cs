using System.Net;
using System.Text;

namespace Router.Cli.Tests;

public sealed class ErrorAndExitCodeTests : IClassFixture<FakeAdminApi>
{
    private readonly FakeAdminApi api;

    public ErrorAndExitCodeTests(FakeAdminApi api)
    {
        this.api = api;
        api.Reset();
    }

    [Fact]
    public async Task A_closed_port_is_unreachable_with_exit_3()
    {
        var port = Cli.ClosedPort();

        var result = await Cli.RunAsync([$"127.0.0.1:{port}", "cluster", "show"]);

        result.ExitCode.Should().Be(3);
        result.Err.Should().StartWith($"cannot reach the admin API at http://127.0.0.1:{port}: ")
            .And.Contain("refused")
            .And.EndWith("Is the node running and is Admin:Urls set?" + Environment.NewLine);
    }

    [Fact]
    public async Task A_node_that_does_not_answer_in_time_is_unreachable_with_exit_3()
    {
        api.StatsDelay = TimeSpan.FromSeconds(10);

        var result = await Cli.Against(api, "router", "stats", "--timeout", "0.3");

        result.ExitCode.Should().Be(3);
        result.Err.Should().Contain("no answer within 0.3 s").And.Contain("Is the node running");
    }

    [Fact]
    public async Task A_wrong_token_is_unauthorized_with_exit_4()
    {
        var result = await Cli.RunAsync([api.Address, "cluster", "show", "--token", "wrong"]);

        result.ExitCode.Should().Be(4);
        result.Err.Trim().Should().Be("the admin token was rejected; pass --token or set ROUTER_ADMIN_TOKEN");
        api.LastRequest.Authorization.Should().Be("Bearer wrong");
    }

    [Fact]
    public async Task A_forbidden_answer_is_unauthorized_with_exit_4()
    {
        var result = await Cli.RunAsync([api.Address, "router", "endpoint", "drain", "azure-eu", "--token", FakeAdminApi.ViewerToken]);

        result.ExitCode.Should().Be(4);
        result.Err.Should().Contain("the admin token was rejected");
    }

    [Fact]
    public async Task The_token_option_is_sent_as_a_bearer_token()
    {
        var result = await Cli.Against(api, "router", "groups");

        result.ExitCode.Should().Be(0, result.ToString());
        api.LastRequest.Authorization.Should().Be($"Bearer {FakeAdminApi.Token}");
    }

    [Fact]
    public async Task A_server_error_without_an_admin_error_body_exits_1_with_the_status()
    {
        api.ShardingFails = true;

        var result = await Cli.Against(api, "sharding", "regions");

        result.ExitCode.Should().Be(1);
        result.Err.Trim().Should().Be("HTTP 500 Internal Server Error from GET /admin/sharding: boom");
    }

    [Theory]
    [InlineData(new[] { "clustr", "show" }, "unknown palette 'clustr'; palettes: cluster, sharding, router")]
    [InlineData(new[] { "cluster", "shwo" }, "unknown command 'cluster shwo'")]
    [InlineData(new[] { "router", "endpoint", "frob", "x" }, "unknown command 'router endpoint frob'")]
    [InlineData(new[] { "router", "endpoint" }, "incomplete command 'router endpoint'")]
    [InlineData(new[] { "cluster" }, "missing command for palette 'cluster'")]
    [InlineData(new[] { "router", "endpoint", "show" }, "missing argument <id>")]
    [InlineData(new[] { "router", "endpoint", "show", "a", "b" }, "unexpected argument 'b'")]
    [InlineData(new[] { "cluster", "show", "--verbose", "x" }, "unknown option --verbose for 'cluster show'")]
    [InlineData(new[] { "cluster", "show", "--timeout", "soon" }, "--timeout must be a number of seconds greater than 0, got 'soon'")]
    [InlineData(new[] { "cluster", "show", "--json=yes" }, "option --json takes no value")]
    public async Task Usage_errors_exit_2_with_a_helpful_message_and_call_nothing(string[] args, string message)
    {
        var result = await Cli.Against(api, args);

        result.ExitCode.Should().Be(2, result.ToString());
        result.Err.Should().Contain(message);
        api.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task An_unknown_command_lists_the_palettes_commands()
    {
        var result = await Cli.Against(api, "cluster", "shwo");

        result.Err.Should().Contain("cluster show").And.Contain("cluster down-unreachable");
    }

    [Fact]
    public async Task An_invalid_address_is_a_usage_error()
    {
        var result = await Cli.RunAsync(["http://host:1/some/path", "cluster", "show"]);

        result.ExitCode.Should().Be(2);
    }

    [Fact]
    public async Task A_custom_http_handler_receives_the_requests()
    {
        var handler = new StubHandler();

        var result = await Cli.RunAsync(["10.1.2.3:9999", "router", "groups", "--token", "t"], handler: handler);

        result.ExitCode.Should().Be(0, result.ToString());
        handler.Seen.Should().ContainSingle().Which.Should().Be("GET http://10.1.2.3:9999/admin/router/groups Bearer t");
        result.Out.Should().MatchRegex(@"stubbed\s+weighted\s+0\s+-");
    }

    [Fact]
    public async Task A_success_response_that_is_not_the_contract_shape_exits_1()
    {
        var handler = new StubHandler { Body = "<html>not json</html>" };

        var result = await Cli.RunAsync(["router", "groups"], handler: handler);

        result.ExitCode.Should().Be(1);
        result.Err.Should().StartWith("unexpected response from GET /admin/router/groups");
    }

    private sealed class StubHandler : HttpMessageHandler
    {
        public List<string> Seen { get; } = [];

        public string Body { get; init; } = """[{"name":"stubbed","strategy":"weighted","fallbacks":[],"endpoints":0}]""";

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Seen.Add($"{request.Method} {request.RequestUri} {request.Headers.Authorization}");
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(Body, Encoding.UTF8, "application/json") });
        }
    }
}
