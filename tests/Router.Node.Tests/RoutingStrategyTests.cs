using System.Diagnostics;
using System.Net;
using Xunit.Abstractions;

namespace Router.Node.Tests;

/// <summary>Strategies seen from outside: where real requests through the gateway end up.</summary>
public sealed class RoutingStrategyTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Weighted_group_sends_traffic_in_proportion_to_the_weights()
    {
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("heavy").Sim("light")
            .Group("chat", "weighted")
            .Endpoint("chat", "heavy", "heavy", weight: 3)
            .Endpoint("chat", "light", "light", weight: 1));

        var served = await SendSequentialAsync(gateway, "chat", 200);

        var heavyShare = served.Count(e => e == "heavy") / 200.0;
        output.WriteLine($"heavy share {heavyShare:P1}");
        heavyShare.Should().BeInRange(0.65, 0.85);
        // The header tells the truth: each simulator saw exactly the requests attributed to it.
        gateway.Sim("heavy").Stats.TotalRequests.Should().Be(served.Count(e => e == "heavy"));
        gateway.Sim("light").Stats.TotalRequests.Should().Be(served.Count(e => e == "light"));
    }

    [Fact]
    public async Task Through_one_gateway_weighted_3_to_1_routes_the_exact_smooth_sequence()
    {
        // One strategy state per group and node, whichever routee of the pool takes each request.
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("sim-a").Sim("sim-b")
            .Group("chat", "weighted")
            .Endpoint("chat", "a", "sim-a", weight: 3)
            .Endpoint("chat", "b", "sim-b", weight: 1));

        var served = await SendSequentialAsync(gateway, "chat", 16);

        served.Should().Equal("a", "a", "b", "a", "a", "a", "b", "a", "a", "a", "b", "a", "a", "a", "b", "a");
    }

    [Fact]
    public async Task Through_one_gateway_round_robin_takes_each_endpoint_in_turn()
    {
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("sim-x").Sim("sim-y").Sim("sim-z")
            .Group("chat", "round-robin")
            .Endpoint("chat", "x", "sim-x")
            .Endpoint("chat", "y", "sim-y")
            .Endpoint("chat", "z", "sim-z"));

        var served = await SendSequentialAsync(gateway, "chat", 9);

        // Where the cycle starts is the strategy's business; that it is x, y, z in turn is the user's.
        served.Chunk(3).Select(c => string.Join(",", c)).Distinct().Should().ContainSingle()
            .Which.Split(',').Should().BeEquivalentTo(["x", "y", "z"]);
    }

    [Fact]
    public async Task Latency_group_moves_traffic_to_whichever_endpoint_is_fast_now()
    {
        // A short window and re-probe period so the strategy notices the swap within a few seconds.
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("sim-x", o => o.LatencyMs = 10)
            .Sim("sim-y", o => o.LatencyMs = 300)
            .Group("chat", "latency")
            .Endpoint("chat", "x", "sim-x")
            .Endpoint("chat", "y", "sim-y")
            .Set("Router:LatencyWindowSize", 5)
            .Set("Router:LatencyReprobeSeconds", 0.5));

        await SendSequentialAsync(gateway, "chat", 20); // both get measured
        var before = await SendSequentialAsync(gateway, "chat", 60);
        output.WriteLine($"before the swap: x {before.Count(e => e == "x")}, y {before.Count(e => e == "y")}");
        before.Count(e => e == "y").Should().BeLessThan(12, "the slow endpoint only gets the occasional re-probe");

        gateway.Sim("sim-x").Reconfigure(o => o.LatencyMs = 300);
        gateway.Sim("sim-y").Reconfigure(o => o.LatencyMs = 10);

        // Re-probes of y and fresh samples from x turn the ranking around; wait for that, with a generous deadline.
        var recent = new Queue<string>();
        var clock = Stopwatch.StartNew();
        while (recent.Count < 20 || recent.Count(e => e == "y") < 16)
        {
            clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20), "traffic should shift to y once it is the fast one");
            recent.Enqueue((await SendSequentialAsync(gateway, "chat", 1))[0]);
            if (recent.Count > 20) recent.Dequeue();
        }
        output.WriteLine($"shifted after {clock.Elapsed.TotalSeconds:0.0} s");

        var after = await SendSequentialAsync(gateway, "chat", 60);
        output.WriteLine($"after the swap: x {after.Count(e => e == "x")}, y {after.Count(e => e == "y")}");
        after.Count(e => e == "x").Should().BeLessThan(12, "x is the slow one now");
    }

    [Fact]
    public async Task Tags_header_restricts_routing_to_endpoints_with_those_tags()
    {
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("sim-eu").Sim("sim-us")
            .Group("chat")
            .Endpoint("chat", "eu", "sim-eu").Set("ModelGroups:chat:Endpoints:eu:Tags:0", "eu")
            .Endpoint("chat", "us", "sim-us").Set("ModelGroups:chat:Endpoints:us:Tags:0", "us"));

        for (var i = 0; i < 6; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/chat/completions")
            {
                Content = new StringContent(TestGateway.ChatBody("chat"), System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("x-router-tags", "eu");
            using var response = await TestGateway.Http.SendAsync(request);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            response.Endpoint().Should().Be("eu");
        }

        using var unmatched = new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/chat/completions")
        {
            Content = new StringContent(TestGateway.ChatBody("chat"), System.Text.Encoding.UTF8, "application/json"),
        };
        unmatched.Headers.Add("x-router-tags", "eu, gpu");
        using var refused = await TestGateway.Http.SendAsync(unmatched);
        await refused.OpenAiErrorAsync(HttpStatusCode.BadRequest, "no_matching_endpoint");
        gateway.Sim("sim-us").Stats.TotalRequests.Should().Be(0);
    }

    private static async Task<List<string>> SendSequentialAsync(TestGateway gateway, string model, int count)
    {
        var served = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            using var response = await gateway.ChatAsync(model);
            response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            served.Add(response.Endpoint());
        }
        return served;
    }
}
