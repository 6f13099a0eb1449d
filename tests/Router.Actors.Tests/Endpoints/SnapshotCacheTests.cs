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
    public void A_grants_count_is_not_undone_by_an_older_snapshot_arriving_later()
    {
        var cache = new SnapshotCache();
        cache.Apply(EndpointSnapshot.Empty("e1") with { Incarnation = 7, Sequence = 10, InFlight = 0 });
        cache.ObserveInFlight(new Router.Messages.Endpoints.LeaseAcquired("e1", "l1", DateTimeOffset.UtcNow, 5, 7, 20), heldHere: 0);

        cache.Apply(EndpointSnapshot.Empty("e1") with { Incarnation = 7, Sequence = 15, InFlight = 1 }).Should().BeFalse();
        cache.Slot("e1").Snapshot.InFlight.Should().Be(5, "the grant's count is newer than the snapshot taken at sequence 15");
        cache.Apply(EndpointSnapshot.Empty("e1") with { Incarnation = 7, Sequence = 21, InFlight = 4 }).Should().BeTrue();
    }

    [Fact]
    public void Acquires_in_the_air_count_towards_an_endpoints_load()
    {
        var cache = new SnapshotCache();
        var slot = cache.Slot("e1");
        slot.AcquireSent();
        slot.AcquireSent();
        slot.AcquireAnswered();
        var candidate = new Router.Actors.Strategies.EndpointCandidate(new EndpointDefinition("e1", "g", "http://localhost:1"), slot.Snapshot)
            { Pending = slot.Pending };
        candidate.InFlight.Should().Be(1, "one acquire is still on its way; a burst of decisions must see it");
        slot.AcquireAnswered();
        slot.AcquireAnswered();
        slot.Pending.Should().Be(0, "never below zero");
    }

    [Fact]
    public void This_nodes_own_grants_and_releases_count_at_once_until_a_newer_count_arrives()
    {
        var cache = new SnapshotCache();
        cache.Apply(EndpointSnapshot.Empty("e1") with { Incarnation = 7, Sequence = 10, InFlight = 4 });
        var slot = cache.Slot("e1");

        slot.ReleasedHere();
        slot.ReleasedHere();
        slot.GrantedHere();
        slot.OwnSinceSnapshot.Should().Be(-1, "two leases released here and one granted here since the snapshot of 4");

        cache.Apply(EndpointSnapshot.Empty("e1") with { Incarnation = 7, Sequence = 11, InFlight = 3 }).Should().BeTrue();
        slot.OwnSinceSnapshot.Should().Be(0, "the newer snapshot counts them itself");

        slot.ReleasedHere();
        cache.ObserveInFlight(new LeaseAcquired("e1", "l1", DateTimeOffset.UtcNow, 5, 7, 12), heldHere: 0);
        slot.OwnSinceSnapshot.Should().Be(0, "a grant's count is exact as of its moment");
        cache.ObserveInFlight(new LeaseAcquired("e1", "l0", DateTimeOffset.UtcNow, 2, 7, 11), heldHere: 0);
        slot.ReleasedHere();
        slot.OwnSinceSnapshot.Should().Be(-1, "an older grant's count changes nothing");
    }
}
