using Xunit.Abstractions;

namespace Router.Cluster.Tests;

/// <summary>
/// Three node processes under steady load through all of them: caps hold across processes; kill -9 of a
/// node only fails requests that were on it; SIGTERM fails none; a restarted node rejoins and serves.
/// One scenario in phases, because starting three processes is the expensive part.
/// </summary>
[Collection(nameof(ProcessClusterTests))]
public sealed class FailoverTests(ITestOutputHelper output)
{
    private const int Workers = 9; // half of the cluster-wide capacity (6 endpoints x 3), so 429s would mean a bug

    [Fact]
    public async Task Caps_hold_across_processes_and_the_cluster_survives_a_crash_a_restart_and_a_graceful_stop()
    {
        await using var cluster = await ProcessCluster.StartAsync();
        try
        {
            await RunScenario(cluster);
        }
        catch
        {
            output.WriteLine(cluster.Logs());
            throw;
        }
    }

    private async Task RunScenario(ProcessCluster cluster)
    {
        var (g1, g2, g3) = (cluster[0], cluster[1], cluster[2]);

        // Phase 1: rpm cap across the three processes: exactly the limit gets through in the minute.
        using var http = new HttpClient();
        var rpmStatuses = await Task.WhenAll(Enumerable.Range(0, 2 * ProcessCluster.LimitedRpm).Select(i =>
            http.PostAsync(cluster.Nodes[i % 3].GatewayUrl + "/v1/chat/completions", new StringContent(
                $$"""{"model":"{{ProcessCluster.LimitedModel}}","messages":[{"role":"user","content":"r{{i}}"}]}""",
                System.Text.Encoding.UTF8, "application/json"))));
        rpmStatuses.Count(r => r.IsSuccessStatusCode).Should().Be(ProcessCluster.LimitedRpm,
            string.Join(", ", rpmStatuses.GroupBy(r => (int)r.StatusCode).Select(g => $"{g.Key}x{g.Count()}")));
        rpmStatuses.Where(r => !r.IsSuccessStatusCode).Should().OnlyContain(r => (int)r.StatusCode == 429 && r.Headers.RetryAfter != null);
        cluster.Limited.Stats.TotalRequests.Should().Be(ProcessCluster.LimitedRpm, "the upstream itself saw exactly the limit");

        // Phase 2: steady load through all three nodes; MaxInFlight holds at the upstreams themselves.
        await using var load = new LoadGenerator(cluster.Nodes);
        load.Start(Workers, ProcessCluster.Model);
        await Eventually.Until(() => Task.FromResult(load.Results.Count(r => r.Status == 200) > 200), "steady load flows", TimeSpan.FromSeconds(30), ProcessCluster.PollInterval, Eventually.TransientHttp);
        load.Results.Should().OnlyContain(r => r.Status == 200, "no request fails under steady load");

        // Phase 3: kill -9 gateway-3. Only requests in flight on it may fail.
        var sharding = await g1.ShardingAsync();
        // Endpoints of the group under load whose actors lived on gateway-3 (the rpm group gets no load now).
        var moved = (sharding.Regions.Single(r => r.Address == g3.Address).EndpointIds ?? [])
            .Where(id => id.StartsWith("sim-", StringComparison.Ordinal)).ToList();
        load.SendTo(g1, g2);
        var killedAt = DateTime.UtcNow;
        g3.Kill();
        // A request that started within a moment of the kill may still have been granted by the dying process.
        var surelyDeadAt = killedAt.AddSeconds(1);
        var failoverDeadline = TimeSpan.FromSeconds(45);
        await Eventually.Until(async () =>
        {
            var view = await g1.ClusterAsync();
            return view.Members.All(m => m.Address != g3.Address);
        }, "the split-brain resolver downs and removes the killed node", failoverDeadline, ProcessCluster.PollInterval, Eventually.TransientHttp);
        output.WriteLine($"REMOVED the killed node {(DateTime.UtcNow - killedAt).TotalSeconds:0.0} s after the kill");
        try
        {
            await Eventually.Until(() => Task.FromResult(moved.All(id =>
                    load.Results.Any(r => r.Status == 200 && r.Endpoint == id && r.StartedAt > surelyDeadAt))),
                "every endpoint that lived on the killed node serves again", failoverDeadline, ProcessCluster.PollInterval, Eventually.TransientHttp);
        }
        catch (TimeoutException)
        {
            foreach (var e in await g1.EndpointsAsync())
                output.WriteLine($"  {e.Definition.Id} moved={moved.Contains(e.Definition.Id)} state={e.State} inflight={e.Snapshot.InFlight} total={e.Snapshot.TotalRequests} " +
                                 $"served-after-kill={load.Results.Count(r => r.Endpoint == e.Definition.Id && r.StartedAt > killedAt)}");
            output.WriteLine($"  statuses after kill: {string.Join(", ", load.Results.Where(r => r.StartedAt > killedAt).GroupBy(r => r.Status).Select(g => $"{g.Key}x{g.Count()}"))}");
            throw;
        }
        var firstOnMoved = moved.Count == 0 ? (DateTime?)null : moved.Max(id =>
            load.Results.Where(r => r.Status == 200 && r.Endpoint == id && r.StartedAt > surelyDeadAt).Min(r => r.EndedAt));
        var survivorFailures = load.Results.Count(r => r.Node != g3.Name && r.Status != 200);
        var killedFailures = load.Results.Count(r => r.Node == g3.Name && r.Status != 200);
        output.WriteLine($"FAILOVER endpoints-moved={moved.Count} time-to-first-success-on-moved-endpoint={(firstOnMoved - killedAt)?.TotalSeconds:0.0}s " +
                         $"failed-on-survivors={survivorFailures} failed-on-killed-node={killedFailures}");
        foreach (var failure in load.Results.Where(r => r.Node != g3.Name && r.Status != 200).Take(5))
            output.WriteLine($"  survivor failure at +{(failure.StartedAt - killedAt).TotalSeconds:0.0}s on {failure.Node}: {failure.Status} {failure.Error}");
        survivorFailures.Should().Be(0, "requests through the survivors keep succeeding");

        // Phase 4: restart gateway-3: it rejoins and serves.
        await cluster.RestartAsync(2);
        g3 = cluster[2];
        await Eventually.Until(async () => (await g1.ClusterAsync()).Members.Count(m => m.Status == "Up") == 3,
            "the restarted node rejoins", TimeSpan.FromSeconds(60), ProcessCluster.PollInterval, Eventually.TransientHttp);
        load.SendTo(g1, g2, g3);
        var rejoinedAt = DateTime.UtcNow;
        await Eventually.Until(() => Task.FromResult(load.Results.Count(r => r.Node == g3.Name && r.Status == 200 && r.StartedAt > rejoinedAt) >= 20),
            "the restarted node serves traffic", TimeSpan.FromSeconds(30), ProcessCluster.PollInterval, Eventually.TransientHttp);

        // Phase 5: SIGTERM gateway-2 (taken out of rotation first, as a load balancer would): nothing fails.
        var beforeStop = load.Results.Count;
        load.SendTo(g1, g3);
        var stoppingAt = DateTime.UtcNow;
        await g2.TerminateAsync(TimeSpan.FromSeconds(60));
        await Eventually.Until(async () => (await g1.ClusterAsync()).Members.All(m => m.Address != g2.Address),
            "the stopped node has left", TimeSpan.FromSeconds(30), ProcessCluster.PollInterval, Eventually.TransientHttp);
        var afterStopAt = DateTime.UtcNow;
        await Eventually.Until(() => Task.FromResult(load.Results.Count(r => r.StartedAt > afterStopAt && r.Status == 200) > 50),
            "the two remaining nodes serve", TimeSpan.FromSeconds(30), ProcessCluster.PollInterval, Eventually.TransientHttp);
        var gracefulPhase = load.Results.Skip(beforeStop).ToList();
        gracefulPhase.Where(r => r.Status != 200).Should().BeEmpty("a graceful stop fails no request");
        output.WriteLine($"GRACEFUL-STOP took {(afterStopAt - stoppingAt).TotalSeconds:0.0}s, {gracefulPhase.Count} requests, 0 failed");

        // Phase 6: load stops; every lease comes back, and no upstream ever saw more than the cap.
        await load.StopAsync();
        await Eventually.Until(async () => (await g1.EndpointsAsync()).All(e => e.Snapshot.InFlight == 0),
            "every endpoint's in-flight count returns to 0", TimeSpan.FromSeconds(30), ProcessCluster.PollInterval, Eventually.TransientHttp);
        cluster.Simulators.Should().OnlyContain(s => s.Stats.MaxInFlight <= ProcessCluster.MaxInFlight,
            "MaxInFlight holds cluster-wide at the upstream itself, through crash, restart and stop");
        output.WriteLine($"CAPS upstream max in flight: {string.Join(", ", cluster.Simulators.Select(s => $"{s.Options.Name}={s.Stats.MaxInFlight}"))} (cap {ProcessCluster.MaxInFlight})");
    }
}

[CollectionDefinition(nameof(ProcessClusterTests), DisableParallelization = true)]
public class ProcessClusterTests;
