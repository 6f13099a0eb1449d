using Router.Actors.Hosting;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Cluster;

/// <summary>
/// A strict endpoint never reclaims a lease its live holder stops renewing (only the deadline or the holder's proven
/// end frees it), so the holder states each release in its renewals. A partition that swallows both the release and
/// the next renewal must not keep the slot until the lease's deadline: the release is stated again until answered.
/// </summary>
[Collection(nameof(ClusterTests))]
public sealed class StrictReleaseTests
{
    private static readonly EndpointDefinition Strict =
        new("strict-1", "chat", "http://10.0.0.1:8000", MaxInFlight: 1, Fencing: LeaseFencing.Strict);

    [Fact]
    public async Task A_release_lost_with_its_renewal_in_a_cut_reaches_the_strict_endpoint_after_the_heal()
    {
        var defaults = TestCluster.Options("round-robin", Strict);
        var options = defaults with
        {
            Endpoint = defaults.Endpoint with
            {
                RenewInterval = TimeSpan.FromMilliseconds(200), LeaseTtl = TimeSpan.FromSeconds(6), FencingMargin = TimeSpan.FromSeconds(1),
            },
        };
        await using var cluster = await TestCluster.StartAsync(3, options, Partitions.Hocon);
        await Eventually.Until(() => cluster.Nodes.All(n => n.Runtime.Quorum.HasMajority), "every gateway has a majority");
        var hostAddress = (await cluster[0].StateOfAsync(Strict.Id)).Node;
        var host = cluster.Nodes.Single(n => n.Address.ToString() == hostAddress);
        var holder = cluster.Nodes.First(n => n != host);
        var client = new RouterClient(holder.System, holder.Runtime, holder.Region, holder.Router);
        // A deadline far beyond the test: only a release the endpoint hears frees the slot in time.
        var lease = ((LeaseGranted)await client.RouteAsync(new RouteRequest("chat", "held", LeaseDuration: TimeSpan.FromMinutes(10)),
            TimeSpan.FromSeconds(10))).Lease;
        (await host.StateOfAsync(Strict.Id)).Snapshot.InFlight.Should().Be(1);

        await Partitions.CutAsync([holder], [host]);
        client.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, 20));
        // The release went to the endpoint at once and into the next renewal statement: both into the cut.
        await Eventually.Until(() => Task.FromResult(!holder.Runtime.Leases.EndpointsWithReleases.Any()),
            "a renewal round stated the release while the cut lasts", TimeSpan.FromSeconds(5));
        (await host.StateOfAsync(Strict.Id)).Snapshot.InFlight.Should().Be(1, "the endpoint heard neither");
        await Partitions.HealAsync([holder], [host]);

        await Eventually.Until(async () => (await host.StateOfAsync(Strict.Id)).Snapshot.InFlight == 0,
            "the release, stated again after the heal, frees the slot (not the lease's deadline, 10 minutes away)", TimeSpan.FromSeconds(5));
        (await client.RouteAsync(new RouteRequest("chat", "next"), TimeSpan.FromSeconds(10))).Should().BeOfType<LeaseGranted>(
            "the endpoint's one slot is free again");
    }
}
