using System.Text.Json;

namespace Router.Cli.Tests;

/// <summary>
/// With --json every failure is one JSON document on stdout ({"error":{...}}), with the exit code it has without --json,
/// so a script parses stdout whatever happened; quotes in messages are written as they are (no \u0027).
/// </summary>
public sealed class JsonErrorTests : IClassFixture<FakeAdminApi>
{
    private readonly FakeAdminApi api;

    public JsonErrorTests(FakeAdminApi api)
    {
        this.api = api;
        api.Reset();
    }

    [Fact]
    public async Task A_refusal_is_a_json_error_with_the_nodes_status_and_exit_1()
    {
        var result = await Cli.Against(api, "router", "endpoint", "show", "nope", "--json");

        result.ExitCode.Should().Be(1, result.ToString());
        result.Err.Should().BeEmpty();
        var error = Error(result);
        error.GetProperty("message").GetString().Should().Be("no endpoint 'nope'");
        error.GetProperty("type").GetString().Should().Be("refused");
        error.GetProperty("exitCode").GetInt32().Should().Be(1);
        error.GetProperty("status").GetInt32().Should().Be(404);
        result.Out.Should().Contain("'nope'").And.NotContain("\\u0027");
    }

    [Theory]
    [InlineData(new[] { "clustr", "show" }, "unknown palette 'clustr'; palettes: cluster, sharding, router", false)]
    [InlineData(new[] { "router", "endpoint", "show" }, "missing argument <id>", true)]
    [InlineData(new[] { "cluster" }, "missing command for palette 'cluster'", true)]
    public async Task A_usage_error_is_a_json_error_with_exit_2_and_calls_nothing(string[] args, string message, bool hasDetail)
    {
        var result = await Cli.Against(api, [.. args, "--json"]);

        result.ExitCode.Should().Be(2, result.ToString());
        result.Err.Should().BeEmpty();
        var error = Error(result);
        error.GetProperty("message").GetString().Should().StartWith(message);
        error.GetProperty("type").GetString().Should().Be("usage");
        error.TryGetProperty("status", out _).Should().BeFalse("the node was not asked");
        error.TryGetProperty("detail", out _).Should().Be(hasDetail);
        api.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task An_address_that_does_not_parse_is_a_json_usage_error()
    {
        var result = await Cli.RunAsync(["http://host:1/some/path", "cluster", "show", "--json"]);

        result.ExitCode.Should().Be(2, result.ToString());
        Error(result).GetProperty("type").GetString().Should().Be("usage");
    }

    [Fact]
    public async Task Unreachable_and_unauthorized_keep_their_exit_codes()
    {
        var unreachable = await Cli.RunAsync([$"127.0.0.1:{Cli.ClosedPort()}", "cluster", "show", "--json"]);
        var unauthorized = await Cli.RunAsync([api.Address, "cluster", "show", "--token", "wrong", "--json"]);

        unreachable.ExitCode.Should().Be(3, unreachable.ToString());
        Error(unreachable).GetProperty("type").GetString().Should().Be("unreachable");
        Error(unreachable).GetProperty("message").GetString().Should().StartWith("cannot reach the admin API at http://127.0.0.1:");
        unauthorized.ExitCode.Should().Be(4, unauthorized.ToString());
        Error(unauthorized).GetProperty("type").GetString().Should().Be("unauthorized");
        Error(unauthorized).GetProperty("exitCode").GetInt32().Should().Be(4);
    }

    [Fact]
    public async Task Without_json_errors_stay_text_on_stderr()
    {
        var result = await Cli.Against(api, "router", "endpoint", "show", "nope");

        result.ExitCode.Should().Be(1);
        result.Out.Should().BeEmpty();
        result.Err.Trim().Should().Be("no endpoint 'nope'");
    }

    private static JsonElement Error(CliResult result)
    {
        using var document = JsonDocument.Parse(result.Out);
        return document.RootElement.GetProperty("error").Clone();
    }
}
