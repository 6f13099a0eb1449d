using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using Router.AdminApi;
using Xunit.Abstractions;

namespace Router.Cluster.Tests;

/// <summary>
/// A gateway frozen (SIGSTOP) while it holds the only slot of a strict endpoint, for longer than failure detection
/// and the split-brain resolver take to remove it: the upstream itself must never see a second request, whether the
/// endpoint's actor lives elsewhere or froze with the holder (then its successor must learn of the grant from the
/// snapshot a strict endpoint replicates before granting). ("gateway-3" below is the frozen holder.)
/// </summary>
[Collection(nameof(ProcessClusterTests))]
public sealed class FreezeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan FrozenFor = TimeSpan.FromSeconds(20); // > 3 s detection + 7 s stable-after + removal

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_gateway_frozen_past_its_removal_never_pushes_a_strict_endpoint_over_its_cap(bool holderHostsTheEndpoint)
    {
        await using var cluster = await ProcessCluster.StartAsync();
        try
        {
            await RunScenario(cluster, holderHostsTheEndpoint);
        }
        catch
        {
            output.WriteLine(cluster.Logs());
            throw;
        }
    }

    private async Task RunScenario(ProcessCluster cluster, bool holderHostsTheEndpoint)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(120) };
        var upstream = cluster.Strict;

        // Where does the endpoint's actor live? (A first request starts it.) The frozen holder is that node, or another.
        using (var warmUp = await http.PostAsync(cluster[0].GatewayUrl + "/v1/chat/completions", Body("warm-up")))
            warmUp.IsSuccessStatusCode.Should().BeTrue();
        var (host, notHosts) = await cluster.HostOfAsync("strict");
        var holderIndex = holderHostsTheEndpoint ? host : cluster.Nodes.IndexOf(notHosts[0]);
        var g3 = cluster[holderIndex];
        var (g1, g2) = (cluster.Nodes.Where(n => n != g3).First(), cluster.Nodes.Where(n => n != g3).Last());

        // gateway-3 takes the only slot with a request the upstream will work on for a long time.
        upstream.Reconfigure(o => o.LatencyMs = 60_000);
        var held = http.PostAsync(g3.GatewayUrl + "/v1/chat/completions", Body("held"));
        await Eventually.Until(() => Task.FromResult(upstream.Stats.CurrentInFlight == 1),
            "the upstream is working on gateway-3's request", TimeSpan.FromSeconds(20), ProcessCluster.PollInterval, Eventually.TransientHttp);

        await g3.FreezeAsync();
        var frozenAt = DateTime.UtcNow;
        var statuses = new ConcurrentQueue<int>();
        var reads = new ConcurrentQueue<(int Status, TimeSpan Elapsed, string? Strict)>();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async worker =>
        {
            var target = worker % 2 == 0 ? g1 : g2;
            while (DateTime.UtcNow - frozenAt < FrozenFor)
            {
                using var response = await http.PostAsync(target.GatewayUrl + "/v1/chat/completions", Body($"w{worker}"));
                statuses.Enqueue((int)response.StatusCode);
            }
        }).Append(Task.Run(async () =>
        {
            // An admin listing the endpoints on a healthy node all through the freeze, as an operator would. When the frozen
            // node hosts the strict endpoint, a listing asks every endpoint's actor, so it starts the strict endpoint's
            // successor: on the majority once gateway-3 is removed, or (when the shard coordinator is still catching up) on
            // the restarted gateway-3 itself. Either way the slot kept for the frozen process comes back at the restart.
            while (DateTime.UtcNow - frozenAt < FrozenFor)
            {
                var watch = Stopwatch.StartNew();
                using var response = await g1.Admin.GetAsync("/admin/router/endpoints");
                var elapsed = watch.Elapsed;
                var strict = response.IsSuccessStatusCode
                    ? (await response.Content.ReadFromJsonAsync<List<EndpointView>>(AdminJson.Options))!.Single(e => e.Definition.Id == "strict").Freshness
                    : null;
                reads.Enqueue(((int)response.StatusCode, elapsed, strict));
                await Task.Delay(250); // pacing, not a wait for a condition
            }
        })));
        output.WriteLine($"while gateway-3 was frozen: {string.Join(", ", statuses.GroupBy(s => s).Select(g => $"{g.Key}x{g.Count()}"))}; " +
                         $"gateway-3 still a member: {(await g1.ClusterAsync()).Members.Any(m => m.Address == g3.Address)}");
        upstream.Stats.MaxInFlight.Should().Be(1, "the frozen gateway's request was still running at the upstream");
        statuses.Should().NotContain(200);

        // Every listing answered (200, not 504) within its 2 s read deadline plus a margin.
        var times = reads.Select(r => r.Elapsed.TotalMilliseconds).Order().ToList();
        output.WriteLine($"admin endpoint listings on a healthy node during the freeze: {reads.Count}, " +
                         $"{string.Join(", ", reads.GroupBy(r => $"{r.Status} strict={r.Strict ?? "-"}").Select(g => $"{g.Key} x{g.Count()}"))}; " +
                         $"ms min {times.First():0}, median {times[times.Count / 2]:0}, max {times.Last():0}");
        reads.Should().NotBeEmpty();
        reads.Should().OnlyContain(r => r.Status == 200, "a frozen member makes a listing partial, never failed");
        reads.Should().OnlyContain(r => r.Elapsed < TimeSpan.FromSeconds(6), "each listing answers at its read deadline at the latest");

        // Resumed, gateway-3 finds its lease unrenewed (and itself removed): it aborts the request, the upstream sees the hang-up.
        await g3.ResumeAsync();
        await Eventually.Until(() => Task.FromResult(upstream.Stats.CurrentInFlight == 0),
            "gateway-3 fenced itself and hung up on the upstream", TimeSpan.FromSeconds(20), ProcessCluster.PollInterval, Eventually.TransientHttp);
        _ = held.ContinueWith(t => t.Exception, TaskScheduler.Default); // its client sees an error or a cut response

        // A restart (same address, new incarnation) proves the old process is gone: its slot comes back.
        upstream.Reconfigure(o => o.LatencyMs = 5);
        await cluster.RestartAsync(holderIndex);
        var restartedAt = DateTime.UtcNow;
        var lastAnswer = "";
        try
        {
            await Eventually.Until(async () =>
            {
                using var response = await http.PostAsync(g1.GatewayUrl + "/v1/chat/completions", Body("after"));
                lastAnswer = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                return response.IsSuccessStatusCode;
            }, "the strict endpoint serves again once gateway-3 restarted", TimeSpan.FromSeconds(60), ProcessCluster.PollInterval, Eventually.TransientHttp);
        }
        catch (TimeoutException e)
        {
            // Once in CI (2026-11-28 13:33) the slot did not come back within 60 s, with nothing at Warning in the
            // nodes' logs: say what gateway-1 answered and saw.
            throw new TimeoutException($"{e.Message}\nlast answer: {lastAnswer}\n{await DescribeAsync(g1)}", e);
        }
        output.WriteLine($"slot back {(DateTime.UtcNow - restartedAt).TotalSeconds:0.0} s after gateway-3 was restarted");
        upstream.Stats.MaxInFlight.Should().Be(1);
    }

    /// <summary>The node's membership and its view of the strict endpoint, for a failure message.</summary>
    private static async Task<string> DescribeAsync(NodeProcess node)
    {
        try
        {
            var cluster = await node.ClusterAsync();
            var members = string.Join(", ", cluster.Members.Select(m => $"{m.Address} {m.Status}{(m.Reachable ? "" : " unreachable")}"));
            var endpoints = await node.Admin.GetFromJsonAsync<List<EndpointView>>("/admin/router/endpoints", AdminJson.Options);
            var strict = endpoints!.Single(e => e.Definition.Id == "strict");
            var holders = strict.Snapshot.InFlightByHolder is { } byHolder ? string.Join(", ", byHolder.Select(h => $"{h.Key}={h.Value}")) : "-";
            return $"members seen by {cluster.Self}: {members}\nstrict endpoint: state {strict.State}, {strict.Freshness}, on {strict.Node ?? "-"}, " +
                   $"incarnation {strict.Snapshot.Incarnation}, in flight {strict.Snapshot.InFlight} (by holder: {holders}), note: {strict.Note ?? "-"}";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return $"(the admin API did not answer: {e.Message})";
        }
    }

    private static StringContent Body(string tag) => new(
        $$"""{"model":"{{ProcessCluster.StrictModel}}","messages":[{"role":"user","content":"{{tag}}"}]}""", Encoding.UTF8, "application/json");
}
