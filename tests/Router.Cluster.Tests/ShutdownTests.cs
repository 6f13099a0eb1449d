using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace Router.Cluster.Tests;

/// <summary>
/// How a node stops: on SIGTERM it refuses or fast-fails new requests, finishes those in flight and exits quickly; a
/// node that the cluster downed (frozen with SIGSTOP past the split-brain resolver, then resumed) is never ready again
/// and exits non-zero so that a supervisor restarts it.
/// </summary>
[Collection(nameof(ProcessClusterTests))]
public sealed class ShutdownTests(ITestOutputHelper output)
{
    private static readonly TimeSpan FastAnswer = TimeSpan.FromSeconds(1);

    /// <summary>How long after `kill` returns the node may still take a request in full: the runtime hands the signal to
    /// the host on a thread of its own, which a loaded 2-core machine runs tens of milliseconds later (CI saw a 200 for a
    /// request started 0.5 ms after the signal). A request it still takes is served (200), never hung or failed.</summary>
    private static readonly TimeSpan SignalReaction = TimeSpan.FromMilliseconds(250);

    /// <summary>What one request to a node saw.</summary>
    private sealed record Probe(DateTime StartedAt, DateTime EndedAt, int Status, string? RetryAfter, bool ConnectionClose, string Body, string? Error)
    {
        public TimeSpan Took => EndedAt - StartedAt;
        public bool Refused => Status == 0;
        public bool IsOpenAi503 => Status == 503 && RetryAfter is not null && ConnectionClose && IsOpenAiError(Body);
        public override string ToString() => $"{Status} in {Took.TotalMilliseconds:0} ms retry-after={RetryAfter} close={ConnectionClose} {Error ?? Body}";
    }

    [Fact]
    public async Task Sigterm_refuses_or_fast_fails_new_requests_finishes_those_in_flight_and_exits_quickly()
    {
        await using var cluster = await StartWithStopTimingsLoggedAsync();
        try
        {
            await RunSigterm(cluster);
        }
        catch
        {
            output.WriteLine(cluster.Logs());
            throw;
        }
    }

    /// <summary>
    /// The nodes also log their stop sequence's timings (drain, leave) at Information, so a failure shows where the time
    /// went. Node processes inherit the variable; it is removed again once they run.
    /// </summary>
    private static async Task<ProcessCluster> StartWithStopTimingsLoggedAsync()
    {
        const string variable = "Logging__LogLevel__Router.Node.Lifecycle";
        Environment.SetEnvironmentVariable(variable, "Information");
        try
        {
            return await ProcessCluster.StartAsync();
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    private async Task RunSigterm(ProcessCluster cluster)
    {
        var stopping = cluster[2];
        var survivors = new[] { cluster[0], cluster[1] };

        // Steady load through all three nodes, the stopping one included, plus a client that only talks to it.
        await using var load = new LoadGenerator(cluster.Nodes);
        load.Start(6, ProcessCluster.Model);
        await Eventually.Until(() => Task.FromResult(cluster.Nodes.All(n => load.Results.Count(r => r.Node == n.Name && r.Status == 200) >= 10)),
            "every node serves the load", TimeSpan.FromSeconds(30), ProcessCluster.PollInterval, Eventually.TransientHttp);
        using var prober = new Prober(stopping.GatewayUrl);
        var probing = prober.RunAsync(ProcessCluster.Model);

        // Long requests in flight on the stopping node when the signal comes: the upstream has them.
        const int slowRequests = 3;
        const int slowMs = 2500;
        cluster.Limited.Reconfigure(o => o.LatencyMs = slowMs);
        using var slowClient = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var slow = Enumerable.Range(0, slowRequests).Select(i => Timed(() => slowClient.PostAsync(stopping.GatewayUrl + "/v1/chat/completions",
            Chat(ProcessCluster.LimitedModel, $"slow {i}")))).ToList();
        await Eventually.Until(() => Task.FromResult(cluster.Limited.Stats.CurrentInFlight == slowRequests),
            "the slow requests are at the upstream", TimeSpan.FromSeconds(10), ProcessCluster.PollInterval, Eventually.TransientHttp);

        var signalSentAt = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        await stopping.SignalTerminateAsync();
        var signalAt = DateTime.UtcNow; // `kill` has returned: the signal is delivered
        var exitCode = await stopping.WaitForExitAsync(TimeSpan.FromSeconds(40));
        var exitedAfter = clock.Elapsed; // counted from just before the signal: conservative
        var exitedAt = signalSentAt + exitedAfter;
        await Task.Delay(TimeSpan.FromSeconds(1)); // clients keep sending to the stopped node for a moment
        await prober.StopAsync(probing);
        await load.StopAsync();

        var slowResults = await Task.WhenAll(slow);
        var longestInFlight = slowResults.Max(r => r.EndedAt) - signalSentAt;
        var toStopping = prober.Results.Where(p => p.StartedAt > signalAt).ToList();
        var loadToStopping = load.Results.Where(r => r.Node == stopping.Name && r.StartedAt > signalAt).ToList();
        var inFlightLoad = load.Results.Where(r => r.Node == stopping.Name && r.StartedAt < signalAt && r.EndedAt > signalAt).ToList();
        var survivorFailures = load.Results.Where(r => r.Node != stopping.Name && r.Status != 200).ToList();

        output.WriteLine($"SIGTERM exit code {exitCode} after {exitedAfter.TotalSeconds:0.00} s; longest request in flight ended {longestInFlight.TotalSeconds:0.00} s after the signal; " +
                         $"exit {(exitedAt - slowResults.Max(r => r.EndedAt)).TotalSeconds:0.00} s after it");
        output.WriteLine($"  slow requests in flight at the signal: {string.Join(", ", slowResults.Select(r => $"{r.Status} at +{(r.EndedAt - signalSentAt).TotalSeconds:0.00}s"))}");
        output.WriteLine($"  load requests in flight on the stopping node at the signal: {string.Join(", ", inFlightLoad.GroupBy(r => r.Status).Select(g => $"{g.Key}x{g.Count()}"))}");
        output.WriteLine($"  probe requests to the stopping node after the signal: {Summary(toStopping)}; slowest {toStopping.Select(p => p.Took.TotalMilliseconds).DefaultIfEmpty().Max():0} ms");
        output.WriteLine($"  load requests to the stopping node after the signal: {string.Join(", ", loadToStopping.GroupBy(r => r.Status).Select(g => $"{g.Key}x{g.Count()}"))}; " +
                         $"slowest {loadToStopping.Select(r => (r.EndedAt - r.StartedAt).TotalMilliseconds).DefaultIfEmpty().Max():0} ms");
        output.WriteLine($"  load requests to the other nodes: {load.Results.Count(r => r.Node != stopping.Name)}, failed {survivorFailures.Count}");
        foreach (var p in toStopping.Where(p => p.Status == 503).Take(1)) output.WriteLine($"  a 503 from the stopping node: {p}");
        output.WriteLine(string.Join('\n', stopping.LogTail(60).Split('\n').Where(l => l.Contains(" s after", StringComparison.Ordinal) || l.Contains("drained", StringComparison.Ordinal))));

        exitCode.Should().Be(0, "a SIGTERM is an ordinary stop");
        slowResults.Should().OnlyContain(r => r.Status == 200, "requests in flight at the signal finish");
        inFlightLoad.Should().NotContain(r => r.Status != 200 && !((r.Status == 0 || r.Status == 503) && r.EndedAt - r.StartedAt <= FastAnswer),
            "a request the node had not yet received when the signal came may be refused, fast; none hangs or gets a 500");
        var reacted = signalAt + SignalReaction;
        toStopping.Where(p => p.StartedAt <= reacted).Should().OnlyContain(p => p.Status == 200 || ((p.Refused || p.IsOpenAi503) && p.Took <= FastAnswer),
            "a request that reaches the node before it has seen the signal is served in full, otherwise refused fast");
        toStopping.Where(p => p.StartedAt > reacted).Should().NotBeEmpty();
        toStopping.Where(p => p.StartedAt > reacted).Should().OnlyContain(p => (p.Refused || p.IsOpenAi503) && p.Took <= FastAnswer,
            "from the signal on, a request to the stopping node is refused or gets an OpenAI-shaped 503 with Retry-After and Connection: close, within 1 s");
        loadToStopping.Should().NotBeEmpty();
        loadToStopping.Should().NotContain(r => !((r.Status == 200 && r.StartedAt <= reacted) ||
                                                  ((r.Status == 0 || (r.Status == 503 && IsOpenAiError(r.Error))) && r.EndedAt - r.StartedAt <= FastAnswer)),
            "no request to the stopping node hangs or gets an empty 500");
        // Leaving takes 1.3-1.8 s here (2.5 s seen with the 2 cores at load 36): 3 s keeps the bound meaningful (Akka's
        // defaults took 10 s+) without failing on a starved machine.
        exitedAfter.Should().BeLessThanOrEqualTo(TimeSpan.FromSeconds(3) + longestInFlight,
            "the node exits within 3 s plus its longest request in flight");
        survivorFailures.Should().BeEmpty("requests to the other nodes keep succeeding while one stops");
        survivors.Should().OnlyContain(n => n.Running);
    }

    [Fact]
    public async Task A_node_downed_while_frozen_is_never_ready_again_and_exits_non_zero_after_it_resumes()
    {
        await using var cluster = await ProcessCluster.StartAsync();
        var frozen = cluster[2];
        try
        {
            await RunFrozen(cluster, frozen);
        }
        catch
        {
            output.WriteLine(cluster.Logs());
            throw;
        }
        finally
        {
            await frozen.ResumeAsync(); // never leave a stopped process behind
        }
    }

    private async Task RunFrozen(ProcessCluster cluster, NodeProcess frozen)
    {
        var g1 = cluster[0];
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        (await http.GetAsync(frozen.GatewayUrl + "/health")).StatusCode.Should().Be(HttpStatusCode.OK, "the node is ready before the freeze");

        var frozenAt = DateTime.UtcNow;
        await frozen.FreezeAsync();
        await Eventually.Until(async () => (await g1.ClusterAsync()).Members.All(m => m.Address != frozen.Address),
            "the cluster downs and removes the frozen node", TimeSpan.FromSeconds(40), ProcessCluster.PollInterval, Eventually.TransientHttp);
        var removedAfter = DateTime.UtcNow - frozenAt;

        var resumedAt = DateTime.UtcNow;
        await frozen.ResumeAsync();
        var clock = Stopwatch.StartNew();
        using var prober = new Prober(frozen.GatewayUrl);
        var probing = prober.RunAsync(ProcessCluster.Model);
        var readiness = new List<(TimeSpan At, int Status)>();
        while (frozen.Running && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            foreach (var path in new[] { "/healthz/ready", "/health" })
            {
                try
                {
                    using var response = await http.GetAsync(frozen.GatewayUrl + path);
                    readiness.Add((clock.Elapsed, (int)response.StatusCode));
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    readiness.Add((clock.Elapsed, 0));
                }
            }
            await Task.Delay(100);
        }
        var exitCode = await frozen.WaitForExitAsync(TimeSpan.FromSeconds(10));
        var exitedAfter = clock.Elapsed;
        await prober.StopAsync(probing);
        var requests = prober.Results.Where(p => p.StartedAt > resumedAt).ToList();

        output.WriteLine($"FROZEN removed from the cluster {removedAfter.TotalSeconds:0.0} s after SIGSTOP; after SIGCONT it exited with code {exitCode} after {exitedAfter.TotalSeconds:0.00} s");
        output.WriteLine($"  /healthz/ready and /health after the resume: {string.Join(", ", readiness.GroupBy(r => r.Status).Select(g => $"{g.Key}x{g.Count()}"))}");
        output.WriteLine($"  chat requests after the resume: {Summary(requests)}; slowest {requests.Select(p => p.Took.TotalMilliseconds).DefaultIfEmpty().Max():0} ms");
        foreach (var p in requests.Where(p => p.Status != 0).Take(2)) output.WriteLine($"  e.g. {p}");
        output.WriteLine(string.Join('\n', frozen.LogTail(40).Split('\n').Where(l => l.Contains("quarantined this node", StringComparison.Ordinal) || l.Contains("exiting", StringComparison.Ordinal))));

        readiness.Should().NotContain(r => r.Status == 200, "a node the cluster removed is not ready");
        exitCode.Should().Be(3, "a downed node exits non-zero so that a supervisor restarts it");
        exitedAfter.Should().BeLessThan(TimeSpan.FromSeconds(10), "a downed node does not linger (it learns it was removed at its first contact, or within Akka's 5 s retry gate)");
        requests.Should().OnlyContain(p => p.Refused || (p.Status == 503 && IsOpenAiError(p.Body)),
            "a downed node answers no request with a 500 or a success it cannot account for");
        frozen.LogTail(40).Should().Contain("exiting with code 3");
    }

    private static StringContent Chat(string model, string text) =>
        new($$"""{"model":"{{model}}","messages":[{"role":"user","content":"{{text}}"}]}""", Encoding.UTF8, "application/json");

    private static async Task<(int Status, DateTime EndedAt)> Timed(Func<Task<HttpResponseMessage>> send)
    {
        try
        {
            using var response = await send();
            await response.Content.ReadAsStringAsync();
            return ((int)response.StatusCode, DateTime.UtcNow);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (0, DateTime.UtcNow);
        }
    }

    private static bool IsOpenAiError(string? body)
    {
        if (string.IsNullOrEmpty(body)) return false;
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("error", out var error)
                   && error.TryGetProperty("message", out var message) && message.GetString() is { Length: > 0 }
                   && error.TryGetProperty("type", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Summary(IEnumerable<Probe> probes) =>
        string.Join(", ", probes.GroupBy(p => p.Refused ? "refused" : p.IsOpenAi503 ? "503-openai" : p.Status.ToString()).Select(g => $"{g.Key}x{g.Count()}"));

    /// <summary>One client sending chat completions to one node, one after another, on fresh connections, recording what it saw.</summary>
    private sealed class Prober(string gatewayUrl) : IDisposable
    {
        private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMilliseconds(500) })
        {
            Timeout = TimeSpan.FromSeconds(15),
        };
        private readonly CancellationTokenSource _stop = new();

        public ConcurrentQueue<Probe> Results { get; } = new();

        public Task RunAsync(string model) => Task.Run(async () =>
        {
            for (var n = 0; !_stop.IsCancellationRequested; n++)
            {
                var started = DateTime.UtcNow;
                try
                {
                    using var response = await _http.PostAsync(gatewayUrl + "/v1/chat/completions", Chat(model, $"probe {n}"));
                    var body = await response.Content.ReadAsStringAsync();
                    Results.Enqueue(new Probe(started, DateTime.UtcNow, (int)response.StatusCode, response.Headers.RetryAfter?.ToString(),
                        response.Headers.ConnectionClose == true, body, null));
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Results.Enqueue(new Probe(started, DateTime.UtcNow, 0, null, false, "", e.Message));
                    await Task.Delay(20); // a refused connection answers at once: do not spin
                }
                await Task.Delay(20);
            }
        });

        public async Task StopAsync(Task running)
        {
            await _stop.CancelAsync();
            await running;
        }

        public void Dispose()
        {
            _stop.Dispose();
            _http.Dispose();
        }
    }
}
