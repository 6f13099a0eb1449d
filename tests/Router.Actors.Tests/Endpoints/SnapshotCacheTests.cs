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
}
