namespace Router.Cli.Tests;

public sealed class HelpTests
{
    public static readonly TheoryData<string> Commands =
    [
        "cluster show", "cluster status", "cluster leader", "cluster leave [address]", "cluster down <address>", "cluster down-unreachable",
        "cluster join <address>", "cluster tail", "sharding regions", "sharding stats", "router groups", "router endpoints [group]",
        "router endpoint show <id>", "router endpoint add <group> <id> <url> [options]", "router endpoint remove <id>",
        "router endpoint drain <id>", "router endpoint undrain <id>", "router endpoint weight <id> <weight>",
        "router endpoint limits <id> [options]", "router group strategy <group> <strategy>", "router stats",
    ];

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Help_lists_every_command_with_a_description(string synopsis)
    {
        var result = await Cli.RunAsync(["help"]);

        result.ExitCode.Should().Be(0);
        result.Out.Should().MatchRegex($@"(?m)^  {System.Text.RegularExpressions.Regex.Escape(synopsis)}\s+\S");
    }

    [Fact]
    public async Task Help_explains_options_address_and_exit_codes()
    {
        var result = await Cli.RunAsync(["--help"]);

        result.ExitCode.Should().Be(0);
        result.Out.Should().Contain("Usage: routerctl [host:port] <palette> <command>")
            .And.Contain("--token <t>").And.Contain("--json").And.Contain("--timeout <seconds>")
            .And.Contain("ROUTER_ADMIN_ADDRESS").And.Contain("ROUTER_ADMIN_TOKEN")
            .And.Contain("3 node unreachable");
    }

    [Theory]
    [InlineData("router", "help")]
    [InlineData("help", "router")]
    [InlineData("router", "--help")]
    public async Task Palette_help_lists_only_that_palette(string first, string second)
    {
        var result = await Cli.RunAsync([first, second]);

        result.ExitCode.Should().Be(0);
        result.Out.Should().StartWith("router: ").And.Contain("router endpoint weight").And.NotContain("cluster show");
    }

    [Fact]
    public async Task Command_help_shows_arguments_and_options()
    {
        var result = await Cli.RunAsync(["127.0.0.1:9", "router", "endpoint", "limits", "--help"]);

        result.ExitCode.Should().Be(0);
        result.Out.Should().Contain("Usage: routerctl [host:port] router endpoint limits <id> [--max-in-flight <n>] [--rpm <n>] [--tpm <n>]")
            .And.MatchRegex(@"--tpm <n>\s+tokens per minute");
    }

    [Fact]
    public async Task Help_for_a_sub_group_lists_its_commands()
    {
        var result = await Cli.RunAsync(["router", "endpoint", "help"]);

        result.ExitCode.Should().Be(0);
        result.Out.Should().Contain("router endpoint drain <id>").And.NotContain("router groups");
    }
}
