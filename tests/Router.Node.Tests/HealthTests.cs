using System.Diagnostics;
using System.Net;
using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Router.Node.Lifecycle;
using Xunit.Abstractions;

namespace Router.Node.Tests;

/// <summary>
/// /healthz/live, /healthz/ready and /health on one in-process node, and what a stopping node tells its clients.
/// </summary>
public sealed class HealthTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_up_node_is_live_and_ready_and_a_stopping_one_is_unready_and_answers_new_requests_503()
    {
        await using var gateway = await TestGateway.StartAsync(s => s.Sim("a").Group("chat").Endpoint("chat", "a", "a"));

        foreach (var path in new[] { "/healthz/live", "/healthz/ready", "/health" })
        {
            using var response = await TestGateway.Http.GetAsync(gateway.BaseUrl + path);
            response.StatusCode.Should().Be(HttpStatusCode.OK, path);
            (await response.JsonAsync()).GetProperty("status").GetString().Should().Be("Healthy", path);
        }
        using (var ok = await gateway.ChatAsync("chat")) ok.StatusCode.Should().Be(HttpStatusCode.OK);

        // What the node does from the stop signal on (the host sets this on ApplicationStopping), without stopping the
        // host, so the answers can still be read.
        gateway.Node.App.Services.GetRequiredService<NodeLifecycle>().BeginStopping();

        foreach (var path in new[] { "/healthz/ready", "/health" })
        {
            using var response = await TestGateway.Http.GetAsync(gateway.BaseUrl + path);
            response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, path);
            var report = await response.JsonAsync();
            report.GetProperty("status").GetString().Should().Be("Unhealthy");
            report.GetProperty("checks").GetProperty("router-ready").GetProperty("description").GetString().Should().Contain("shutting down");
        }
        using (var live = await TestGateway.Http.GetAsync(gateway.BaseUrl + "/healthz/live"))
            live.StatusCode.Should().Be(HttpStatusCode.OK, "a stopping process is still alive: no reason to kill it");

        var before = gateway.Sim("a").Stats.TotalRequests;
        using var refused = await gateway.ChatAsync("chat");
        await refused.OpenAiErrorAsync(HttpStatusCode.ServiceUnavailable, "gateway_shutting_down");
        refused.Headers.RetryAfter.Should().NotBeNull();
        refused.Headers.ConnectionClose.Should().BeTrue("the client should take its next request to another node");
        gateway.Sim("a").Stats.TotalRequests.Should().Be(before, "the upstream never saw the refused request");
    }

    [Fact]
    public async Task Stopping_the_host_finishes_the_request_in_flight_and_refuses_new_ones_at_once()
    {
        using var inFlightClient = new HttpClient();
        var (gateway, inFlight) = await StartWithRequestAtUpstreamAsync("slow", latencyMs: 1500, inFlightClient);
        await using var _ = gateway;

        var stopping = gateway.Node.App.StopAsync();
        var asked = Stopwatch.StartNew();
        var answer = await NewRequestAsync(gateway.BaseUrl);
        asked.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1), "a new request is refused or answered 503 at once, not queued");
        answer.Should().BeOneOf("refused", "503 gateway_shutting_down");

        using (var response = await inFlight)
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK, "the request in flight when the stop began finishes");
            response.Headers.ConnectionClose.Should().BeTrue("Kestrel closes the connection after the last response of a drain");
        }
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));
        gateway.Sim("slow").Stats.TotalRequests.Should().Be(1, "nothing else reached the upstream");
    }

    [Fact]
    public async Task A_node_the_cluster_removes_while_it_drains_stops_at_once_instead_of_waiting_out_the_drain()
    {
        // A frozen node resumes, learns it was removed and downs itself just as its supervisor's SIGTERM arrives: the
        // drain began with the whole budget, but its requests can no longer be routed, and a restart needs the ports.
        using var inFlightClient = new HttpClient { Timeout = TimeSpan.FromSeconds(90) };
        var (gateway, inFlight) = await StartWithRequestAtUpstreamAsync("hung", latencyMs: 60_000, inFlightClient);
        await using var _ = gateway;

        var stopping = gateway.Node.App.StopAsync(); // SIGTERM: a drain of Gateway:ShutdownDrainSeconds (30 s) begins
        var lifecycle = gateway.Node.App.Services.GetRequiredService<NodeLifecycle>();
        await Eventually.Until(() => Task.FromResult(lifecycle.IsStopping), "the drain has begun", TimeSpan.FromSeconds(10));
        var system = gateway.Node.App.Services.GetRequiredService<ActorSystem>();
        var removedAt = Stopwatch.StartNew();
        await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterDowningReason.Instance);

        await stopping.WaitAsync(TimeSpan.FromSeconds(10)); // the drain alone would take 30 s
        output.WriteLine($"the host stopped {removedAt.Elapsed.TotalSeconds:0.00} s after the actor system ended");
        NodeLifecycle.ExitCodeOf(system).Should().Be(NodeLifecycle.DownedExitCode, "a supervisor restarts a node the cluster removed");
        // The request that can no longer finish ends now, cut or answered with an error, instead of waiting out its upstream.
        string outcome;
        try
        {
            using var response = await inFlight.WaitAsync(TimeSpan.FromSeconds(10));
            outcome = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (HttpRequestException)
        {
            outcome = "cut";
        }
        output.WriteLine($"the request in flight: {outcome}");
        outcome.Should().Match(o => o == "cut" || o.StartsWith('5'), "it was cut or answered with a server error, not left hanging");
    }

    /// <summary>A node whose one endpoint, <paramref name="sim"/>, answers after <paramref name="latencyMs"/>, and a chat
    /// request (sent with <paramref name="client"/>) that the upstream is working on.</summary>
    private static async Task<(TestGateway Gateway, Task<HttpResponseMessage> InFlight)> StartWithRequestAtUpstreamAsync(
        string sim, int latencyMs, HttpClient client)
    {
        var gateway = await TestGateway.StartAsync(s => s.Sim(sim, o => o.LatencyMs = latencyMs).Group("chat").Endpoint("chat", sim, sim));
        try
        {
            var inFlight = client.PostAsync(gateway.BaseUrl + "/v1/chat/completions",
                new StringContent(TestGateway.ChatBody("chat"), System.Text.Encoding.UTF8, "application/json"));
            await Eventually.Until(() => gateway.Sim(sim).Stats.CurrentInFlight, n => n > 0, "the request reaches the upstream (requests in flight there)",
                TimeSpan.FromSeconds(10));
            gateway.Sim(sim).Stats.CurrentInFlight.Should().Be(1, "the request is at the upstream when the stop begins");
            return (gateway, inFlight);
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    /// <summary>A chat request on a new connection: "refused", or the status and error code it got.</summary>
    private static async Task<string> NewRequestAsync(string baseUrl)
    {
        using var fresh = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var response = await fresh.PostAsync(baseUrl + "/v1/chat/completions",
                new StringContent(TestGateway.ChatBody("chat"), System.Text.Encoding.UTF8, "application/json"));
            var error = await response.JsonAsync();
            return $"{(int)response.StatusCode} {error.GetProperty("error").GetProperty("code").GetString()}";
        }
        catch (HttpRequestException)
        {
            return "refused";
        }
    }
}
