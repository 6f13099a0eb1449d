
namespace Router.Cli.Tests;

public sealed class InteractiveShellTests : IClassFixture<FakeAdminApi>
{
    private readonly FakeAdminApi api;

    public InteractiveShellTests(FakeAdminApi api)
    {
        this.api = api;
        api.Reset();
    }

    private Task<CliResult> Shell(string input) => Cli.RunAsync([api.Address, "--token", FakeAdminApi.Token], input);

    [Fact]
    public async Task Help_then_a_command_then_exit()
    {
        var result = await Shell("help\nrouter groups\nexit\n");

        result.ExitCode.Should().Be(0, result.ToString());
        var prompt = $"routerctl {api.Address}> ";
        result.Out.Should().Contain(prompt)
            .And.Contain("router endpoint add <group> <id> <url> [options]")
            .And.Contain("cluster tail")
            .And.Contain("exit, quit")
            .And.MatchRegex(@"gpt-4o\s+latency\s+2\s+gpt-4o-mini");
        result.Out.Split(prompt).Should().HaveCount(4, "a prompt before each of the three lines");
        result.Err.Should().BeEmpty();
        api.Requests.Should().ContainSingle().Which.Path.Should().Be("/admin/router/groups");
    }

    [Fact]
    public async Task Errors_are_printed_and_the_shell_goes_on_until_end_of_input()
    {
        var result = await Shell("nosuch thing\nrouter endpoint show nope\nrouter endpoint weight azure-eu x\nrouter endpoint show \"unterminated\nrouter groups\n");

        result.ExitCode.Should().Be(0, result.ToString());
        result.Err.Should().Contain("unknown palette 'nosuch'")
            .And.Contain("no endpoint 'nope'")
            .And.Contain("<weight> must be an integer, got 'x'")
            .And.Contain("unterminated double quote");
        result.Out.Should().MatchRegex(@"gpt-4o-mini\s+round-robin");
    }

    [Fact]
    public async Task Quoted_arguments_are_one_word()
    {
        var result = await Shell("router endpoint add \"my group\" 'ep 9' http://h:1/v1 --tags \"a, b\"\nquit\n");

        result.ExitCode.Should().Be(0, result.ToString());
        var body = api.LastRequest.BodyAs<Router.AdminApi.EndpointDefinitionDto>();
        body.ModelGroup.Should().Be("my group");
        body.Id.Should().Be("ep 9");
        body.Tags.Should().Equal("a", "b");
    }

    [Fact]
    public async Task Help_for_a_palette_and_palette_help()
    {
        var result = await Shell("help sharding\ncluster help\n");

        result.ExitCode.Should().Be(0, result.ToString());
        result.Out.Should().Contain("sharding regions").And.Contain("cluster down <address>")
            .And.Contain("Run 'sharding <command> --help'");
        result.Out.Should().NotContain("router stats");
    }

    [Fact]
    public async Task Options_on_a_line_apply_to_that_line_only()
    {
        var result = await Shell("cluster leader --json\ncluster leader\n");

        result.ExitCode.Should().Be(0, result.ToString());
        result.Out.Should().Contain("\"leader\": ").And.Contain($"> {FakeAdminApi.Self}\n");
    }

    [Fact]
    public async Task Json_given_when_starting_the_shell_applies_to_every_line()
    {
        var result = await Cli.RunAsync([api.Address, "--token", FakeAdminApi.Token, "--json"], "router stats\n");

        result.ExitCode.Should().Be(0, result.ToString());
        result.Out.Should().Contain("\"requests\": 1000");
    }

    [Fact]
    public async Task An_unreachable_node_is_reported_and_the_shell_goes_on()
    {
        var port = Cli.ClosedPort();

        var result = await Cli.RunAsync([$"127.0.0.1:{port}"], "cluster show\nhelp\nexit\n");

        result.ExitCode.Should().Be(0);
        result.Err.Should().Contain($"cannot reach the admin API at http://127.0.0.1:{port}");
        result.Out.Should().Contain("sharding stats");
    }

    [Fact]
    public async Task The_shell_rejects_options_that_are_not_global()
    {
        var result = await Cli.RunAsync([api.Address, "--weight", "3"], "exit\n");

        result.ExitCode.Should().Be(2);
        result.Err.Should().Contain("unknown option --weight");
    }

    [Fact]
    public async Task A_line_of_options_only_lists_the_commands_and_the_shell_goes_on()
    {
        var result = await Shell("--json\nrouter groups\n");

        result.ExitCode.Should().Be(0, result.ToString());
        result.Out.Should().Contain("\"error\"").And.Contain("\"type\": \"usage\"");
        result.Out.Should().MatchRegex(@"gpt-4o-mini\s+round-robin");
        api.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task An_empty_input_exits_0()
    {
        var result = await Shell("");

        result.ExitCode.Should().Be(0);
        api.Requests.Should().BeEmpty();
    }
}
