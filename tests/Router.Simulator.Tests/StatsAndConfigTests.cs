using System.Net;
using Microsoft.Extensions.Configuration;
using static Router.Simulator.Tests.TestHelpers;

namespace Router.Simulator.Tests;

public sealed class StatsAndConfigTests
{
    [Fact]
    public async Task Post_sim_config_changes_options_at_runtime()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions { Name = "slow", LatencyMs = 5000 });

        using var response = await PostJsonAsync(sim, "/_sim/config", """{"LatencyMs":1,"error_rate":0.25,"retryAfterSeconds":7}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        sim.Options.LatencyMs.Should().Be(1);
        sim.Options.ErrorRate.Should().Be(0.25);
        sim.Options.RetryAfterSeconds.Should().Be(7);
        sim.Options.Name.Should().Be("slow", "fields not in the patch keep their value");
        var json = await ReadJsonAsync(response);
        json.GetProperty("latencyMs").GetInt32().Should().Be(1);
    }

    [Theory]
    [InlineData("""{"LatencyMs":-1}""")]
    [InlineData("""{"ErrorRate":1.5}""")]
    [InlineData("""{"LatencyMs":"fast"}""")]
    [InlineData("""{"NoSuchOption":1}""")]
    [InlineData("""{"LatencyMs":1,"NoSuchOption":1}""")]
    [InlineData("""not json""")]
    public async Task Invalid_config_patch_gives_400_and_changes_nothing(string patch)
    {
        await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions { LatencyMs = 42, ErrorRate = 0 });

        using var response = await PostJsonAsync(sim, "/_sim/config", patch);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        await ReadOpenAiErrorAsync(response);
        sim.Options.LatencyMs.Should().Be(42);
        sim.Options.ErrorRate.Should().Be(0);
    }

    [Fact]
    public async Task Options_are_live_and_copied_from_the_start_argument()
    {
        var initial = new SimulatorOptions { CompletionTokens = 5, LatencyMs = 0 };
        await using var sim = await SimulatedEndpoint.StartAsync(initial);
        initial.CompletionTokens = 1; // the endpoint has its own copy

        sim.Options.CompletionTokens.Should().Be(5);
        sim.Options.CompletionTokens = 2;
        var json = await ReadJsonAsync(await PostJsonAsync(sim, "/v1/chat/completions", ChatBody));
        json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString().Should().Be("tok tok");

        sim.Reconfigure(o => { o.Name = "renamed"; o.CompletionTokens = 1; });
        using var renamed = await PostJsonAsync(sim, "/v1/chat/completions", ChatBody);
        SimName(renamed).Should().Be("renamed");
        (await ReadJsonAsync(renamed)).GetProperty("usage").GetProperty("completion_tokens").GetInt32().Should().Be(1);

        var invalid = () => sim.Reconfigure(o => { o.Name = "half-applied"; o.ErrorRate = 3; });
        invalid.Should().Throw<ArgumentException>();
        sim.Options.Name.Should().Be("renamed");
    }

    [Fact]
    public async Task Stats_count_requests_errors_and_max_in_flight()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions { LatencyMs = 300 });

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => PostJsonAsync(sim, "/v1/chat/completions", ChatBody)));
        responses.Should().OnlyContain(r => r.StatusCode == HttpStatusCode.OK);
        foreach (var r in responses) r.Dispose();
        using var bad = await PostJsonAsync(sim, "/v1/chat/completions", "{");

        sim.Stats.MaxInFlight.Should().BeGreaterThanOrEqualTo(2);
        sim.Stats.CurrentInFlight.Should().Be(0);
        sim.Stats.TotalRequests.Should().Be(6);
        sim.Stats.Errors.Should().Be(1);
        sim.Stats.RequestsByPath.Should().Equal(new Dictionary<string, long> { ["/v1/chat/completions"] = 6 });

        using var statsResponse = await Http.GetAsync(sim.BaseUrl + "/_sim/stats");
        var stats = await ReadJsonAsync(statsResponse);
        stats.GetProperty("totalRequests").GetInt64().Should().Be(6, "control endpoints are not counted");
        stats.GetProperty("errors").GetInt64().Should().Be(1);
        stats.GetProperty("maxInFlight").GetInt32().Should().BeGreaterThanOrEqualTo(2);
        stats.GetProperty("requestsByPath").GetProperty("/v1/chat/completions").GetInt64().Should().Be(6);

        using var reset = await PostJsonAsync(sim, "/_sim/stats/reset", "");
        reset.StatusCode.Should().Be(HttpStatusCode.OK);
        sim.Stats.TotalRequests.Should().Be(0);
        sim.Stats.MaxInFlight.Should().Be(0);
    }

    [Fact]
    public async Task Get_sim_config_returns_the_current_options()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions { Name = "cfg", TokensPerSecond = 12.5 });

        using var response = await Http.GetAsync(sim.BaseUrl + "/_sim/config");

        SimName(response).Should().Be("cfg");
        var json = await ReadJsonAsync(response);
        json.GetProperty("name").GetString().Should().Be("cfg");
        json.GetProperty("tokensPerSecond").GetDouble().Should().Be(12.5);
    }

    [Fact]
    public void Options_bind_from_the_Simulator_section_like_the_executable()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Simulator:Name"] = "from-env", ["Simulator:ErrorStatus"] = "503" })
            .AddCommandLine(["--Simulator:LatencyMs=50", "--Simulator:ErrorRate=0.1", "--Simulator:RetryAfterSeconds=2"])
            .Build();

        var options = SimulatorEndpointRouteBuilderExtensions.BindOptions(configuration);

        options.Name.Should().Be("from-env");
        options.LatencyMs.Should().Be(50);
        options.ErrorRate.Should().Be(0.1);
        options.ErrorStatus.Should().Be(503);
        options.RetryAfterSeconds.Should().Be(2);
        options.CompletionTokens.Should().Be(16, "unset values keep their defaults");
    }

    [Fact]
    public async Task Invalid_start_options_are_rejected()
    {
        var start = () => SimulatedEndpoint.StartAsync(new SimulatorOptions { ErrorRate = -0.5 });
        await start.Should().ThrowAsync<ArgumentException>();
    }
}
