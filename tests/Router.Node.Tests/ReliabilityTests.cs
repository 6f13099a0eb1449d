using System.Net;
using Router.Messages.Endpoints;

namespace Router.Node.Tests;

/// <summary>Failing upstreams do not fail requests while another endpoint or group can serve them.</summary>
public sealed class ReliabilityTests
{
    [Fact]
    public async Task Failing_endpoint_is_retried_elsewhere_then_cooled_down_and_left_alone()
    {
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("broken", o => { o.ErrorRate = 1; o.ErrorStatus = 500; })
            .Sim("healthy")
            .Group("chat")
            .Endpoint("chat", "broken", "broken")
            .Endpoint("chat", "healthy", "healthy")
            .Set("Router:FailureThreshold", 2)
            .Set("Router:CooldownSeconds", 120));

        for (var i = 0; i < 10; i++)
        {
            using var response = await gateway.ChatAsync("chat");
            response.StatusCode.Should().Be(HttpStatusCode.OK, "a retry on the healthy endpoint serves it");
            response.Endpoint().Should().Be("healthy");
            response.Attempts().Should().BeOneOf("1", "2");
        }

        var broken = await gateway.StateWhen("broken", s => s.Circuit == CircuitState.Open);
        broken.Circuit.Should().Be(CircuitState.Open);
        broken.CooldownUntil.Should().BeAfter(DateTimeOffset.UtcNow.AddSeconds(60));
        // Exactly the threshold's worth of failures reached it before the breaker opened.
        gateway.Sim("broken").Stats.TotalRequests.Should().Be(2);

        for (var i = 0; i < 10; i++)
        {
            using var response = await gateway.ChatAsync("chat");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            response.Attempts().Should().Be("1", "a cooling-down endpoint is not even tried");
        }
        gateway.Sim("broken").Stats.TotalRequests.Should().Be(2);
        gateway.Sim("healthy").Stats.TotalRequests.Should().Be(20);
    }

    [Fact]
    public async Task Retry_on_another_endpoint_hides_upstream_503s_from_the_client()
    {
        // A high threshold keeps the failing endpoint in rotation, so retries keep happening.
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("unavailable", o => { o.ErrorRate = 1; o.ErrorStatus = 503; })
            .Sim("healthy")
            .Group("chat")
            .Endpoint("chat", "unavailable", "unavailable")
            .Endpoint("chat", "healthy", "healthy")
            .Set("Router:FailureThreshold", 1000));

        var retried = 0;
        for (var i = 0; i < 20; i++)
        {
            using var response = await gateway.ChatAsync("chat");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            response.SimName().Should().Be("healthy");
            if (response.Attempts() == "2") retried++;
            else response.Attempts().Should().Be("1");
        }

        retried.Should().BePositive("round-robin sends some first attempts to the failing endpoint");
        // Every second attempt answered one 503, no more (a request is never retried on the same endpoint).
        gateway.Sim("unavailable").Stats.InjectedErrors.Should().Be(retried);
    }

    [Fact]
    public async Task Request_beyond_max_in_flight_waits_for_the_slot_to_free_up()
    {
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("single-slot", o => o.LatencyMs = 500)
            .Group("chat")
            .Endpoint("chat", "single-slot", "single-slot", maxInFlight: 1)
            .Set("Router:CapacityWaitSeconds", 10));

        var requests = Enumerable.Range(0, 3).Select(_ => gateway.ChatAsync("chat")).ToArray();
        var responses = await Task.WhenAll(requests);

        responses.Select(r => r.StatusCode).Should().AllBeEquivalentTo(HttpStatusCode.OK);
        responses.Select(r => r.Attempts()).Should().AllBe("1", "waiting for capacity is not an upstream attempt");
        gateway.Sim("single-slot").Stats.MaxInFlight.Should().Be(1, "the cap holds while they wait");
        gateway.Sim("single-slot").Stats.TotalRequests.Should().Be(3);
        foreach (var response in responses) response.Dispose();
    }

    [Fact]
    public async Task Unreachable_endpoint_is_skipped_by_retrying_on_a_reachable_one()
    {
        // Nothing listens on loopback port 1: connecting fails at once.
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("healthy")
            .Group("chat")
            .Endpoint("chat", "healthy", "healthy")
            .Set("ModelGroups:chat:Endpoints:gone:Url", "http://127.0.0.1:1/v1"));

        for (var i = 0; i < 6; i++)
        {
            using var response = await gateway.ChatAsync("chat");
            response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            response.Endpoint().Should().Be("healthy");
        }

        var gone = await gateway.StateWhen("gone", s => s.TotalFailures > 0);
        gone.TotalFailures.Should().BePositive("connect errors count against the endpoint");
        gone.InFlight.Should().Be(0);
    }

    [Fact]
    public async Task Group_whose_endpoints_fail_falls_back_to_its_fallback_group()
    {
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("primary", o => { o.ErrorRate = 1; o.ErrorStatus = 500; })
            .Sim("backup")
            .Group("main", "round-robin", "spare")
            .Endpoint("main", "main-1", "primary")
            .Group("spare")
            .Endpoint("spare", "spare-1", "backup"));

        for (var i = 0; i < 5; i++)
        {
            using var response = await gateway.ChatAsync("main");
            response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            response.SimName().Should().Be("backup");
            response.Endpoint().Should().Be("spare-1");
        }
        gateway.Sim("primary").Stats.TotalRequests.Should().BeInRange(1, 3, "after the threshold the primary cools down");
    }

    [Fact]
    public async Task Fallback_group_is_tried_even_when_the_retry_budget_is_spent_in_the_first_group()
    {
        // Like the shipped appsettings.json: three endpoints in the primary group, Retries 2, one fallback group.
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("primary", o => { o.ErrorRate = 1; o.ErrorStatus = 500; })
            .Sim("backup")
            .Group("main", "round-robin", "spare")
            .Endpoint("main", "main-1", "primary")
            .Endpoint("main", "main-2", "primary")
            .Endpoint("main", "main-3", "primary")
            .Group("spare")
            .Endpoint("spare", "spare-1", "backup")
            .Set("Router:Retries", 2));

        using var response = await gateway.ChatAsync("main");

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        response.SimName().Should().Be("backup");
    }

    [Fact]
    public async Task Prompt_too_long_for_a_group_is_served_by_its_context_window_fallback()
    {
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("small").Sim("large")
            .Group("short-ctx")
            .Endpoint("short-ctx", "short-1", "small", contextWindow: 30)
            .Set("ModelGroups:short-ctx:ContextWindowFallbacks:0", "long-ctx")
            .Group("long-ctx")
            .Endpoint("long-ctx", "long-1", "large", contextWindow: 100_000));

        // The gateway estimates ~4 bytes of request body per token: ~17 tokens fit, ~270 do not.
        using var shortPrompt = await gateway.ChatAsync("short-ctx", "hi");
        shortPrompt.StatusCode.Should().Be(HttpStatusCode.OK);
        shortPrompt.SimName().Should().Be("small");

        using var longPrompt = await gateway.ChatAsync("short-ctx", new string('x', 1000));
        longPrompt.StatusCode.Should().Be(HttpStatusCode.OK, await longPrompt.Content.ReadAsStringAsync());
        longPrompt.SimName().Should().Be("large");
        gateway.Sim("small").Stats.TotalRequests.Should().Be(1, "the long prompt never went to the small window");
    }

    [Fact]
    public async Task Streaming_request_fails_over_when_the_first_token_is_too_slow()
    {
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("stalling", o => o.TimeToFirstTokenMs = 6000)
            .Sim("prompt", o => o.TokensPerSecond = 1000)
            .Group("chat")
            .Endpoint("chat", "stalling", "stalling")
            .Endpoint("chat", "prompt", "prompt")
            // Well above the prompt endpoint's first token on a loaded 2-core CI machine, well below the stalling one's.
            .Set("Router:FirstTokenTimeoutSeconds", 1.5));

        for (var i = 0; i < 4; i++)
        {
            using var response = await gateway.ChatAsync("chat", stream: true);
            var body = await response.Content.ReadAsStringAsync();
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            response.SimName().Should().Be("prompt");
            body.Should().Contain("data: [DONE]").And.Contain("\"content\":\" tok\"");
            // Exactly one stream: nothing of the abandoned attempt leaked into the response.
            body.Split("data: [DONE]").Should().HaveCount(2);
        }
        gateway.Sim("stalling").Stats.TotalRequests.Should().BePositive("round-robin sent some first attempts to the stalling endpoint");
    }
}
