using Akka.Actor;
using Router.Actors.Hosting;
using Router.Actors.Membership;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Cluster;

/// <summary>
/// A node tells the endpoint actors running on it directly, not through the shard region; a message that reaches one
/// just as it stops still gets to the endpoint's next incarnation, as it would have through the region.
/// </summary>
public sealed class LocalEndpointActorsTests
{
    private static readonly EndpointDefinition Single = new("single", "chat", "http://10.0.0.1:8000", MaxInFlight: 1);

    [Fact]
    public async Task A_local_endpoint_actor_is_told_directly_and_a_message_it_missed_as_it_stopped_reaches_its_next_incarnation()
    {
        await using var cluster = await TestCluster.StartAsync(1, TestCluster.Options("round-robin", Single));
        var node = cluster[0];
        var client = new RouterClient(node.System, node.Runtime, node.Region, node.Router);

        var first = (LeaseGranted)await client.RouteAsync(new RouteRequest("chat", "r1"), TimeSpan.FromSeconds(10));
        var actor = node.Runtime.LocalEndpoints.Of("single", node.Region);
        actor.Should().NotBe(node.Region, "the endpoint's actor runs on this node and registered itself");
        actor.Path.Parent.Parent.Should().Be(node.Region.Path, "it is the region's entity, not some other actor");
        client.Report(new ReportOutcome("single", first.Lease.LeaseId, OutcomeKind.Success, 10));
        await Eventually.Until(() => node.StateOfAsync("single"), s => s.Snapshot is { InFlight: 0 }, "the release went straight to the actor",
            TimeSpan.FromSeconds(5));

        // A hand-off or a crash: the actor stops. It is no longer handed out...
        (await actor.GracefulStop(TimeSpan.FromSeconds(5))).Should().BeTrue();
        node.Runtime.LocalEndpoints.Of("single", node.Region).Should().Be(node.Region, "a stopped actor removes itself");

        // ...and an acquire that was sent to it just as it stopped lands in dead letters, from where it goes on through the
        // region to the endpoint's next incarnation, which answers it.
        var holder = HolderId.Of(node.Cluster.SelfUniqueAddress);
        var answer = await actor.Ask<LeaseAcquired>(new AcquireLease("single", "late-acquire", TimeSpan.FromSeconds(30), Holder: holder),
            TimeSpan.FromSeconds(15));
        answer.LeaseId.Should().Be("late-acquire");
        var next = node.Runtime.LocalEndpoints.Of("single", node.Region);
        next.Should().NotBe(node.Region).And.NotBe(actor, "the next incarnation registered itself");

        // The same for a release sent to the stopped actor: the next incarnation frees the slot.
        actor.Tell(new ReportOutcome("single", "late-acquire", OutcomeKind.Success, 10));
        await Eventually.Until(() => node.StateOfAsync("single"), s => s.Snapshot is { InFlight: 0 },
            "the release sent to the stopped actor reached the next incarnation", TimeSpan.FromSeconds(5));
    }
}
