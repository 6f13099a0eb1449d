using Akka.Actor;
using Router.Actors.Hosting;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Cluster;

/// <summary>A moved endpoint says, in one line on its new node, who answered, how long it took and what it restored.</summary>
public class HandOffLogTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int TookOver = 3010;

    [Fact]
    public async Task The_new_incarnation_of_a_moved_endpoint_logs_one_hand_off_line_with_what_it_restored()
    {
        // One group per endpoint, so a lease can be taken on a chosen endpoint.
        var endpoints = Enumerable.Range(1, 8).Select(i => new EndpointDefinition($"ep-{i}", $"ep-{i}", $"http://10.0.0.{i}:8000")).ToArray();
        await using var cluster = await TestCluster.StartAsync(2, TestCluster.Options("round-robin", endpoints));
        foreach (var endpoint in endpoints) await cluster[0].StateOfAsync(endpoint.Id);
        var (survivor, leaving) = (cluster[0], cluster[1]);
        var state = await leaving.Region.Ask<Akka.Cluster.Sharding.CurrentShardRegionState>(
            Akka.Cluster.Sharding.GetShardRegionState.Instance, TimeSpan.FromSeconds(5));
        var moving = state.Shards.SelectMany(s => s.EntityIds).First();
        var client = new RouterClient(survivor.System, survivor.Runtime, survivor.Region, survivor.Router);
        // The survivor must hear the endpoint's snapshots (they name the incarnation it takes over from): an endpoint
        // publishes only on change, and under load the survivor's subscription could still be on its way by gossip.
        await SnapshotTopic.WaitUntilKnownEverywhereAsync(survivor.System, cluster.Nodes.Select(n => n.System));
        for (var i = 0; i < 2; i++)
            (await client.RouteAsync(new RouteRequest(moving, $"held-{i}"), TimeSpan.FromSeconds(10))).Should().BeOfType<LeaseGranted>();
        await Eventually.Until(() => survivor.Runtime.Snapshots.LastPublished(moving), s => s.InFlight == 2,
            "the survivor holds the endpoint's snapshot with both leases");
        var logs = LogRecords.AttachTo(survivor.System);

        await leaving.StopAsync(); // graceful: the shard is handed off to the survivor
        cluster.Forget(leaving);
        // Asking starts the new incarnation; it logs once it has collected the members' statements and serves.
        await Eventually.Until(async () =>
        {
            await survivor.StateOfAsync(moving);
            return logs.All.Any(r => r.EventId.Id == TookOver && r.Values["EndpointId"] == moving);
        }, "the new incarnation says it took over", TimeSpan.FromSeconds(30));

        var lines = logs.All.Where(r => r.EventId.Id == TookOver && r.Values["EndpointId"] == moving).ToList();
        lines.Should().ContainSingle("one hand-off line per move: {0}", string.Join("; ", logs.All.Select(r => r.Message)));
        var line = lines[0];
        output.WriteLine(line.Message);
        line.Values["InFlight"].Should().Be("2");
        int.Parse(line.Values["Answered"]!).Should().BeGreaterThanOrEqualTo(1, "the survivor stated its leases");
        int.Parse(line.Values["Asked"]!).Should().BeGreaterThanOrEqualTo(int.Parse(line.Values["Answered"]!));
        line.Values["PreviousIncarnation"].Should().NotBe("0");
        double.Parse(line.Values["ElapsedMs"]!, System.Globalization.CultureInfo.InvariantCulture).Should().BeLessThan(5_000,
            "a member that left gracefully is not waited for (it used to hold every move for the 10 s lease TTL): {0}",
            string.Join("; ", logs.All.Select(r => r.Message)));
        line.Message.Should().Contain(moving).And.Contain("breaker Closed");
    }
}
