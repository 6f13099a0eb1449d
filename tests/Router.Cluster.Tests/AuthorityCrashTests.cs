using System.Collections.Concurrent;
using Xunit.Abstractions;

namespace Router.Cluster.Tests;

/// <summary>
/// kill -9 of the node hosting an endpoint's actor while a gateway on the majority side runs a request on that
/// endpoint for longer than the fencing validity (7 s) and the failover (~14 s): the request is not aborted, since
/// nobody can give its slot away (the successor asks every member what it holds first), and the cap still holds at
/// the upstream while the other survivor keeps asking for the slot.
/// </summary>
[Collection(nameof(ProcessClusterTests))]
public sealed class AuthorityCrashTests(ITestOutputHelper output)
{
    private static readonly TimeSpan HeldRequest = TimeSpan.FromSeconds(22);

    [Fact]
    public async Task A_long_request_survives_the_crash_of_the_node_hosting_its_endpoint_and_the_cap_holds()
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
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(120) };
        var upstream = cluster.Fenced;

        (await FencedRequests.SendAsync(http, cluster[0], "warm-up")).Should().Be(200);
        var (host, notHosts) = await cluster.HostOfAsync("fenced");
        var (holder, contender) = (notHosts[0], notHosts[1]);

        upstream.Reconfigure(o => o.LatencyMs = (int)HeldRequest.TotalMilliseconds);
        var held = FencedRequests.SendAsync(http, holder, "held");
        await Eventually.Until(() => Task.FromResult(upstream.Stats.CurrentInFlight == 1),
            "the upstream is working on the holder's request", TimeSpan.FromSeconds(20), ProcessCluster.PollInterval, Eventually.TransientHttp);
        upstream.Reconfigure(o => o.LatencyMs = 500);

        var killedAt = DateTime.UtcNow;
        cluster[host].Kill();
        var statuses = new ConcurrentQueue<(TimeSpan At, int Status)>();
        var contending = Task.Run(async () =>
        {
            // The other survivor asks for the slot throughout, until it is served after the held request ended.
            while (DateTime.UtcNow - killedAt < HeldRequest + TimeSpan.FromSeconds(30) && !statuses.Any(s => s.Status == 200))
            {
                var status = await FencedRequests.SendAsync(http, contender, "contender");
                statuses.Enqueue((DateTime.UtcNow - killedAt, status));
                if (status != 200) await Task.Delay(200); // pacing a client that was refused, not waiting for a condition
            }
        });
        var heldStatus = await held;
        var heldEndedAfter = DateTime.UtcNow - killedAt;
        await contending;

        var firstServed = statuses.Where(s => s.Status == 200).Select(s => s.At).DefaultIfEmpty(TimeSpan.MaxValue).Min();
        output.WriteLine($"AUTHORITY-CRASH held request on {holder.Name} ended {heldEndedAfter.TotalSeconds:0.0} s after the kill with {heldStatus}; " +
                         $"contender on {contender.Name}: {string.Join(", ", statuses.GroupBy(s => s.Status).Select(g => $"{g.Key}x{g.Count()}"))}, " +
                         $"first served {firstServed.TotalSeconds:0.0} s after the kill; upstream max in flight {upstream.Stats.MaxInFlight} (cap 1)");
        heldStatus.Should().Be(200, "a holder in the majority keeps its request when the endpoint's host dies");
        upstream.Stats.MaxInFlight.Should().Be(1, "the successor counted the surviving holder's lease before granting");
        statuses.Should().Contain(s => s.Status == 200, "the slot comes back once the held request ends");
    }
}
