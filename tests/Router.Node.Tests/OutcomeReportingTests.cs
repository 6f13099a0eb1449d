using System.Net;
using System.Text.Json;
using Router.Messages.Endpoints;

namespace Router.Node.Tests;

/// <summary>One gateway, one group and endpoint per test, so each test reads counters only it moved.</summary>
public sealed class ReportingGateway : IAsyncLifetime
{
    public TestGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Gateway = await TestGateway.StartAsync(s => s
            .Sim("steady", o => o.LatencyMs = 20)
            .Sim("streamer", o => { o.TimeToFirstTokenMs = 30; o.TokensPerSecond = 500; })
            .Sim("broken", o => { o.ErrorRate = 1; o.ErrorStatus = 500; })
            .Sim("sluggish", o => o.LatencyMs = 10_000)
            .Group("counted").Endpoint("counted", "counted-1", "steady")
            .Group("streamed").Endpoint("streamed", "streamed-1", "streamer")
            .Group("failed").Endpoint("failed", "failed-1", "broken")
            .Group("abandoned").Endpoint("abandoned", "abandoned-1", "sluggish"));

    public Task DisposeAsync() => Gateway.DisposeAsync().AsTask();
}

/// <summary>Every request's outcome reaches its endpoint's actor: that is what routing and breakers learn from.</summary>
public sealed class OutcomeReportingTests(ReportingGateway fixture) : IClassFixture<ReportingGateway>
{
    private readonly TestGateway _gateway = fixture.Gateway;

    [Fact]
    public async Task Successful_requests_release_their_lease_and_record_latency_and_actual_token_usage()
    {
        const int n = 5;
        long usedTokens = 0;
        for (var i = 0; i < n; i++)
        {
            using var response = await _gateway.ChatAsync("counted", $"request number {i} with a few words");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            usedTokens += (await response.JsonAsync()).GetProperty("usage").GetProperty("total_tokens").GetInt64();
        }

        var state = await _gateway.StateWhen("counted-1", s => s.InFlight == 0 && s.Latency.Samples == n);
        state.TotalRequests.Should().Be(n);
        state.InFlight.Should().Be(0);
        state.TotalFailures.Should().Be(0);
        state.Latency.Samples.Should().Be(n);
        state.Latency.MeanMs.Should().BeGreaterThanOrEqualTo(15, "the upstream takes 20 ms per request");
        // The gateway's size estimate is replaced by the usage the upstream reported.
        state.TokensLastMinute.Should().Be(usedTokens);
    }

    [Fact]
    public async Task Streaming_request_records_time_to_first_token_and_the_usage_of_its_last_event()
    {
        var body = JsonSerializer.Serialize(new
        {
            model = "streamed",
            messages = new[] { new { role = "user", content = "stream with usage please" } },
            stream = true,
            stream_options = new { include_usage = true },
        });

        using var response = await _gateway.PostAsync("/v1/chat/completions", body);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var usageEvent = text.Split("\n\n").Select(e => e.Replace("data: ", "")).Single(e => e.Contains("\"usage\":{")); // like OpenAI, the other chunks carry "usage":null
        var usedTokens = JsonDocument.Parse(usageEvent).RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt64();

        var state = await _gateway.StateWhen("streamed-1", s => s.InFlight == 0 && s.TimeToFirstToken.Samples > 0);
        state.InFlight.Should().Be(0);
        state.TimeToFirstToken.Samples.Should().Be(1);
        state.TimeToFirstToken.MeanMs.Should().BeGreaterThanOrEqualTo(25, "the first token comes after 30 ms");
        state.Latency.MeanMs.Should().BeGreaterThan(state.TimeToFirstToken.MeanMs, "the whole stream takes longer than its first token");
        state.TokensLastMinute.Should().Be(usedTokens);
    }

    [Fact]
    public async Task Failed_request_counts_as_a_failure_of_its_endpoint()
    {
        using var response = await _gateway.ChatAsync("failed");
        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);

        var state = await _gateway.StateWhen("failed-1", s => s.InFlight == 0 && s.TotalFailures > 0);
        state.InFlight.Should().Be(0);
        state.TotalRequests.Should().Be(1);
        state.TotalFailures.Should().Be(1);
        state.ConsecutiveFailures.Should().Be(1);
        state.Circuit.Should().Be(CircuitState.Closed, "one failure is below the default threshold of 3");
    }

    [Fact]
    public async Task Client_that_gives_up_releases_its_lease_without_blaming_the_endpoint()
    {
        using var cancel = new CancellationTokenSource();
        var request = _gateway.ChatAsync("abandoned", ct: cancel.Token);
        var sim = _gateway.Sim("sluggish");
        await Eventually.Until(() => sim.Stats.CurrentInFlight, n => n > 0, "the request reaches the upstream (requests in flight there)");
        sim.Stats.CurrentInFlight.Should().Be(1, "the request reached the upstream");

        await cancel.CancelAsync();
        await FluentActions.Awaiting(() => request).Should().ThrowAsync<OperationCanceledException>();

        var state = await _gateway.StateWhen("abandoned-1", s => s.InFlight == 0);
        state.InFlight.Should().Be(0, "the lease is released, not left to expire");
        state.TotalFailures.Should().Be(0);
        state.Circuit.Should().Be(CircuitState.Closed);
        // The gateway also stopped waiting on the upstream (the sim sees its request aborted).
        await Eventually.Until(() => sim.Stats.CurrentInFlight, n => n == 0, "the upstream sees its request aborted (requests in flight there)",
            TimeSpan.FromSeconds(5));
    }
}
