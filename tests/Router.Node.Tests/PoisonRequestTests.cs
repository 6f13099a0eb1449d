using System.Net;
using Router.Messages.Endpoints;

namespace Router.Node.Tests;

/// <summary>One client's bad request cannot cool a group down for everyone.</summary>
public sealed class PoisonRequestTests
{
    private const string Marker = "POISON-7f3a";

    [Fact]
    public async Task Request_failing_with_5xx_on_two_endpoints_stops_there_and_does_not_open_the_breakers()
    {
        // Every simulator answers 500 to a body with the marker, like a server that chokes on one request.
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("a", o => o.FailWhenBodyContains = Marker)
            .Sim("b", o => o.FailWhenBodyContains = Marker)
            .Sim("c", o => o.FailWhenBodyContains = Marker)
            .Group("chat")
            .Endpoint("chat", "chat-a", "a")
            .Endpoint("chat", "chat-b", "b")
            .Endpoint("chat", "chat-c", "c")
            .Set("Router:Retries", 2)
            .Set("Router:FailureThreshold", 2)
            .Set("Router:CooldownSeconds", 120));
        string[] sims = ["a", "b", "c"];

        for (var i = 0; i < 3; i++)
        {
            using var poisoned = await gateway.ChatAsync("chat", $"{Marker} number {i}");
            var error = await poisoned.OpenAiErrorAsync(HttpStatusCode.InternalServerError, "upstream_error");
            error.GetProperty("message").GetString().Should().Contain("HTTP 500 on 2 endpoints")
                .And.Contain("The server had an error while processing your request", "the client sees the upstream's error");
        }
        sims.Sum(s => gateway.Sim(s).Stats.InjectedErrors).Should().Be(6, "each poison request reached two endpoints, not all three");

        var served = new HashSet<string>();
        for (var i = 0; i < 9; i++)
        {
            using var response = await gateway.ChatAsync("chat", $"an ordinary request {i}");
            response.StatusCode.Should().Be(HttpStatusCode.OK, "three poison requests must not cool the group down");
            response.Attempts().Should().Be("1");
            served.Add(response.Endpoint());
        }
        served.Should().BeEquivalentTo(["chat-a", "chat-b", "chat-c"], "every endpoint still serves");
        foreach (var id in new[] { "chat-a", "chat-b", "chat-c" })
        {
            var state = await gateway.StateOf(id);
            state.Circuit.Should().Be(CircuitState.Closed, $"{id} is healthy");
            state.TotalFailures.Should().BeLessThanOrEqualTo(1, "only a request's first 5xx can be counted against an endpoint");
        }
        sims.Sum(s => gateway.Sim(s).Stats.TotalRequests).Should().Be(6 + 9);
    }

    [Fact]
    public async Task One_5xx_is_still_retried_on_another_endpoint()
    {
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("broken", o => { o.ErrorRate = 1; o.ErrorStatus = 500; })
            .Sim("healthy")
            .Group("chat")
            .Endpoint("chat", "broken", "broken")
            .Endpoint("chat", "healthy", "healthy")
            .Set("Router:FailureThreshold", 1000));

        var retried = 0;
        for (var i = 0; i < 6; i++)
        {
            using var response = await gateway.ChatAsync("chat");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            response.SimName().Should().Be("healthy");
            if (response.Attempts() == "2") retried++;
        }
        retried.Should().BePositive();
        (await gateway.StateOf("broken")).TotalFailures.Should().Be(retried, "a failure that another endpoint did not repeat is the endpoint's");
    }
}
