using System.Net;
using Router.Messages.Endpoints;

namespace Router.Node.Tests;

/// <summary>One client's bad request cannot cool a group down for everyone.</summary>
public sealed class PoisonRequestTests
{
    private const string Marker = "POISON-7f3a";

    private static Task<TestGateway> StartAsync(int failureThreshold) =>
        // Every simulator answers 500 to a body with the marker, like a server that chokes on one request.
        TestGateway.StartAsync(s => s
            .Sim("a", o => o.FailWhenBodyContains = Marker)
            .Sim("b", o => o.FailWhenBodyContains = Marker)
            .Sim("c", o => o.FailWhenBodyContains = Marker)
            .Group("chat")
            .Endpoint("chat", "chat-a", "a")
            .Endpoint("chat", "chat-b", "b")
            .Endpoint("chat", "chat-c", "c")
            .Set("Router:Retries", 2)
            .Set("Router:FailureThreshold", failureThreshold)
            .Set("Router:CooldownSeconds", 120));

    private static readonly string[] Sims = ["a", "b", "c"];
    private static readonly string[] Ids = ["chat-a", "chat-b", "chat-c"];

    [Fact]
    public async Task Request_failing_with_5xx_on_two_endpoints_that_serve_others_stops_there_with_the_upstream_error()
    {
        await using var gateway = await StartAsync(failureThreshold: 3);

        for (var i = 0; i < 3; i++)
        {
            // Other clients keep the group busy and healthy; one client sends a request every server chokes on.
            await WarmUpAsync(gateway, "chat", Ids);
            using var poisoned = await gateway.ChatAsync("chat", $"{Marker} number {i}");
            var error = await poisoned.OpenAiErrorAsync(HttpStatusCode.InternalServerError, "upstream_error");
            error.GetProperty("message").GetString().Should().Contain("HTTP 500 on 2 endpoints")
                .And.Contain("The server had an error while processing your request", "the client sees the upstream's error");
        }

        Sims.Sum(s => gateway.Sim(s).Stats.InjectedErrors).Should().Be(6, "each poison request reached two endpoints, not all three");
        (await CountedFailuresAsync(gateway)).Should().Be(3, "a poison request counts against one endpoint at most");
        await EveryEndpointServesAsync(gateway);
    }

    [Fact]
    public async Task Burst_of_poison_requests_counts_one_failure_each_and_leaves_the_group_serving()
    {
        await using var gateway = await StartAsync(failureThreshold: 4);
        await WarmUpAsync(gateway, "chat", Ids);

        for (var i = 0; i < 3; i++)
        {
            using var poisoned = await gateway.ChatAsync("chat", $"{Marker} number {i}");
            ((int)poisoned.StatusCode).Should().BeOneOf(500, 502);
            (await poisoned.OpenAiErrorAsync(poisoned.StatusCode, "upstream_error")).GetProperty("message").GetString()
                .Should().Contain("The server had an error while processing your request");
        }

        // Nothing but poison for a moment looks like an outage, so later ones may try every endpoint; still, only
        // each request's first failure counts (3, not one per failed attempt).
        (await CountedFailuresAsync(gateway)).Should().Be(3);
        await EveryEndpointServesAsync(gateway);
    }

    private static async Task<long> CountedFailuresAsync(TestGateway gateway)
    {
        var counted = 0L;
        foreach (var id in Ids)
        {
            var state = await gateway.StateWhen(id, s => s.InFlight == 0);
            state.Circuit.Should().Be(CircuitState.Closed, $"{id} is healthy");
            counted += state.TotalFailures;
        }
        return counted;
    }

    private static async Task EveryEndpointServesAsync(TestGateway gateway)
    {
        var served = new HashSet<string>();
        for (var i = 0; i < 9; i++)
        {
            using var response = await gateway.ChatAsync("chat", $"an ordinary request {i}");
            response.StatusCode.Should().Be(HttpStatusCode.OK, "poison requests must not cool the group down");
            response.Attempts().Should().Be("1");
            served.Add(response.Endpoint());
        }
        served.Should().BeEquivalentTo(Ids, "every endpoint still serves");
    }

    [Fact]
    public async Task Group_that_fails_for_everyone_still_falls_back()
    {
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("primary")
            .Sim("backup")
            .Group("main", "round-robin", "spare")
            .Endpoint("main", "main-1", "primary")
            .Endpoint("main", "main-2", "primary")
            .Endpoint("main", "main-3", "primary")
            .Group("spare").Endpoint("spare", "spare-1", "backup")
            .Set("Router:Retries", 2)
            .Set("Router:FailureThreshold", 100));
        await WarmUpAsync(gateway, "main", ["main-1", "main-2", "main-3"]);

        // An outage: every primary endpoint now fails every request.
        gateway.Sim("primary").Reconfigure(o => { o.ErrorRate = 1; o.ErrorStatus = 500; });
        var answers = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            using var response = await gateway.ChatAsync("main");
            ((int)response.StatusCode).Should().BeOneOf(200, 500);
            answers.Add(response.StatusCode == HttpStatusCode.OK ? response.SimName() : "500");
        }

        // While the endpoints still look healthy the first failures look like the request's; once each has failed
        // for someone, the outage is plain and the fallback group serves.
        answers.TakeLast(4).Should().AllBe("backup", "answers in order: {0}", string.Join(", ", answers));
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

    /// <summary>Ordinary requests until every endpoint has served one, and this node's snapshots show it.</summary>
    private static async Task WarmUpAsync(TestGateway gateway, string group, string[] ids)
    {
        var served = new HashSet<string>();
        for (var i = 0; i < 30 && served.Count < ids.Length; i++)
        {
            using var response = await gateway.ChatAsync(group, $"an earlier request {i}");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            served.Add(response.Endpoint());
        }
        served.Should().BeEquivalentTo(ids);
        await gateway.SnapshotsWhen(ids, s => s.LastSampleAt is not null && s.ConsecutiveFailures == 0);
    }
}
