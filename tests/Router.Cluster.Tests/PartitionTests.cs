using System.Collections.Concurrent;
using Xunit.Abstractions;

namespace Router.Cluster.Tests;

/// <summary>
/// A gateway cut off from the other gateways (not from the upstream) while it holds the only slot of an endpoint with
/// the default, available fencing: it must abort its request before the slot is granted to anyone else, whether the
/// endpoint's actor lives on the other side (renewals stop arriving) or on the cut-off gateway itself (that
/// incarnation loses its quorum, and a new one starts on the majority side).
/// </summary>
[Collection(nameof(ProcessClusterTests))]
public sealed class PartitionTests(ITestOutputHelper output)
{
    // Long enough for failure detection (3 s) and the resolver (7 s) to remove the cut-off gateway and, when it
    // hosted the endpoint, for a new incarnation to give its slot back one lease TTL (10 s) later.
    private static readonly TimeSpan PartitionedAtLeast = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan PartitionedAtMost = TimeSpan.FromSeconds(40);

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_partitioned_gateway_aborts_its_request_before_its_slot_is_granted_again(bool holderHostsTheEndpoint)
    {
        var unavailable = await LoopbackPartition.UnavailableReasonAsync();
        Skip.If(unavailable is not null, unavailable);

        await using var cluster = await ProcessCluster.StartAsync(partitionable: true);
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
        var upstream = cluster.Fenced;

        // Where does the endpoint's actor live? (A first request starts it.)
        (await FencedRequests.SendAsync(http, cluster[0], "warm-up")).Should().Be(200);
        var (host, notHosts) = await cluster.HostOfAsync("fenced");
        var holder = holderHostsTheEndpoint ? cluster[host] : notHosts[0];
        var others = cluster.Nodes.Where(n => n != holder).ToArray();

        // The holder takes the only slot with a request the upstream would work on for a minute; later ones take 1 s.
        upstream.Reconfigure(o => o.LatencyMs = 60_000);
        var held = FencedRequests.SendAsync(http, holder, "held");
        await Eventually.Until(() => Task.FromResult(upstream.Stats.CurrentInFlight == 1),
            "the upstream is working on the holder's request", TimeSpan.FromSeconds(20), ProcessCluster.PollInterval, Eventually.TransientHttp);
        upstream.Reconfigure(o => o.LatencyMs = 1_000);

        var partitionedAt = DateTime.UtcNow;
        var statuses = new ConcurrentQueue<(TimeSpan At, int Status)>();
        int heldStatus;
        TimeSpan heldEndedAfter;
        await using (await LoopbackPartition.IsolateAsync(holder.Cgroup!, cluster.Nodes.Select(n => n.AkkaPort)))
        {
            var load = Task.WhenAll(Enumerable.Range(0, 4).Select(async worker =>
            {
                while (DateTime.UtcNow - partitionedAt is var elapsed && elapsed < PartitionedAtMost &&
                       (elapsed < PartitionedAtLeast || !statuses.Any(s => s.Status == 200)))
                {
                    var status = await FencedRequests.SendAsync(http, others[worker % 2], $"w{worker}");
                    statuses.Enqueue((DateTime.UtcNow - partitionedAt, status));
                }
            }));
            heldStatus = await held;
            heldEndedAfter = DateTime.UtcNow - partitionedAt;
            await load;
        }

        var firstServed = statuses.Where(s => s.Status == 200).Select(s => s.At).DefaultIfEmpty(TimeSpan.MaxValue).Min();
        output.WriteLine($"holder {holder.Name} (hosts the endpoint: {holderHostsTheEndpoint}): its request ended after {heldEndedAfter.TotalSeconds:0.0} s " +
                         $"with {heldStatus}; others: {string.Join(", ", statuses.GroupBy(s => s.Status).Select(g => $"{g.Key}x{g.Count()}"))}, " +
                         $"first served {firstServed.TotalSeconds:0.0} s after the partition; upstream max in flight {upstream.Stats.MaxInFlight}");
        upstream.Stats.MaxInFlight.Should().Be(1, "the cut-off gateway stopped its request before the slot was granted again");
        heldStatus.Should().Be(503, "the holder could not renew its lease, so it aborted the request and said so");
        statuses.Should().Contain(s => s.Status == 200, "the slot comes back to the majority side");
    }
}
