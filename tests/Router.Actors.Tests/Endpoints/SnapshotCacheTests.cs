using Router.Actors.Endpoints;
using Router.Messages.Endpoints;

namespace Router.Actors.Tests.Endpoints;

public class SnapshotCacheTests
{
    [Fact]
    public void A_refusals_snapshot_updates_ranking_but_never_replaces_the_one_a_successor_takes_over()
    {
        var cache = new SnapshotCache();
        var published = EndpointSnapshot.Empty("e1") with
        {
            Incarnation = 7, Sequence = 10, InFlight = 2,
            InFlightByHolder = new Dictionary<string, int> { ["akka.tcp://llm-router@10.0.0.5:4053#1"] = 2 },
        };
        var piggybacked = published with { Sequence = 11, InFlight = 3, InFlightByHolder = null };

        cache.Apply(published).Should().BeTrue();
        cache.Apply(piggybacked).Should().BeTrue();

        cache.Slot("e1").Snapshot.InFlight.Should().Be(3, "routers rank on the newest count");
        cache.LastPublished("e1").Should().BeSameAs(published, "only a snapshot naming its holders can be taken over");
        cache.Forget("e1");
        cache.LastPublished("e1").Should().BeSameAs(published, "forgetting a silent endpoint keeps what a successor needs");
    }

    [Fact]
    public void This_nodes_releases_count_until_the_endpoints_next_snapshot()
    {
        var cache = new SnapshotCache();
        cache.Apply(EndpointSnapshot.Empty("e1") with { Incarnation = 7, Sequence = 1, InFlight = 3 });
        cache.ObserveRelease("e1");
        cache.ObserveRelease("e1");

        var slot = cache.Slot("e1");
        new Router.Actors.Strategies.EndpointCandidate(new EndpointDefinition("e1", "g", "http://localhost:1"), slot.Snapshot)
            { ReleasedSinceSnapshot = slot.ReleasedSinceSnapshot }.InFlight.Should().Be(1, "two of the three finished here");

        cache.Apply(EndpointSnapshot.Empty("e1") with { Incarnation = 7, Sequence = 2, InFlight = 2 });
        slot.ReleasedSinceSnapshot.Should().Be(0, "the endpoint's own count replaces the estimate");
        cache.ObserveInFlight("e1", 5);
        cache.ObserveRelease("e1");
        slot.ReleasedSinceSnapshot.Should().Be(1);
    }
}
