namespace Router.Cli.Tests;

/// <summary>Tests that set process environment variables run alone, after the parallel ones.</summary>
[CollectionDefinition(nameof(EnvironmentCollection), DisableParallelization = true)]
public sealed class EnvironmentCollection;

[Collection(nameof(EnvironmentCollection))]
public sealed class EnvironmentTests : IClassFixture<FakeAdminApi>, IDisposable
{
    private readonly FakeAdminApi api;

    public EnvironmentTests(FakeAdminApi api)
    {
        this.api = api;
        api.Reset();
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("ROUTER_ADMIN_TOKEN", null);
        Environment.SetEnvironmentVariable("ROUTER_ADMIN_ADDRESS", null);
    }

    [Fact]
    public async Task The_token_comes_from_ROUTER_ADMIN_TOKEN()
    {
        Environment.SetEnvironmentVariable("ROUTER_ADMIN_TOKEN", FakeAdminApi.Token);

        var result = await Cli.RunAsync([api.Address, "router", "groups"]);

        result.ExitCode.Should().Be(0, result.ToString());
        api.LastRequest.Authorization.Should().Be($"Bearer {FakeAdminApi.Token}");
    }

    [Fact]
    public async Task The_token_option_wins_over_the_environment()
    {
        Environment.SetEnvironmentVariable("ROUTER_ADMIN_TOKEN", "stale");

        var result = await Cli.Against(api, "router", "groups");

        result.ExitCode.Should().Be(0, result.ToString());
        api.LastRequest.Authorization.Should().Be($"Bearer {FakeAdminApi.Token}");
    }

    [Fact]
    public async Task Without_any_token_no_authorization_is_sent_and_the_node_refuses()
    {
        var result = await Cli.RunAsync([api.Address, "router", "groups"]);

        result.ExitCode.Should().Be(4);
        api.LastRequest.Authorization.Should().BeNull();
    }

    [Fact]
    public async Task The_address_comes_from_ROUTER_ADMIN_ADDRESS()
    {
        Environment.SetEnvironmentVariable("ROUTER_ADMIN_ADDRESS", api.Address);
        Environment.SetEnvironmentVariable("ROUTER_ADMIN_TOKEN", FakeAdminApi.Token);

        var result = await Cli.RunAsync(["cluster", "leader"]);

        result.ExitCode.Should().Be(0, result.ToString());
        result.Out.Trim().Should().Be(FakeAdminApi.Self);
    }

    [Fact]
    public async Task An_invalid_ROUTER_ADMIN_ADDRESS_is_a_usage_error()
    {
        Environment.SetEnvironmentVariable("ROUTER_ADMIN_ADDRESS", "not an address");

        var result = await Cli.RunAsync(["cluster", "leader"]);

        result.ExitCode.Should().Be(2);
        result.Err.Should().Contain("ROUTER_ADMIN_ADDRESS");
    }

    [Fact]
    public async Task The_shell_prompt_shows_the_address_from_the_environment()
    {
        Environment.SetEnvironmentVariable("ROUTER_ADMIN_ADDRESS", api.Address);

        var result = await Cli.RunAsync([], "exit\n");

        result.ExitCode.Should().Be(0);
        result.Out.Should().Contain($"routerctl {api.Address}> ");
    }
}
