using Router.Actors.Endpoints;
using Router.Actors.Leasing;
using Router.Actors.Routing;
using Router.Actors.Strategies;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Routing;

/// <summary>What a router ranks an endpoint on: least-busy takes this node's part from its own exact count.</summary>
public class InFlightViewTests
{
    private const string Self = "akka.tcp://llm-router@10.0.0.1:4053#1";
    private const string Other = "akka.tcp://llm-router@10.0.0.2:4053#2";

    [Fact]
    public void For_least_busy_this_nodes_part_of_a_lagging_snapshot_is_replaced_by_its_exact_count()
    {
        var cache = new SnapshotCache();
        var book = new LeaseBook(TimeProvider.System);
        // Published while this node held 4 leases there; it has released 3 since, and those releases are still on their way.
        cache.Apply(EndpointSnapshot.Empty("e1") with
        {
            Incarnation = 3, Sequence = 9, InFlight = 6,
            InFlightByHolder = new Dictionary<string, int> { [Self] = 4, [Other] = 2 },
        });
        book.Add(new Lease("still-running", "e1", "g", "http://x", DateTimeOffset.UtcNow.AddMinutes(1)), 0);
        var slot = cache.Slot("e1");

        var view = new EndpointCandidate(new EndpointDefinition("e1", "g", "http://x"), slot.Snapshot)
            { Pending = InFlightView.Pending(slot, slot.Snapshot, book.InUseOn("e1"), Self) };

        view.InFlight.Should().Be(2, "this node's 1 running now, and its half of the other node's 2 (two nodes route to e1)");
    }

    [Fact]
    public void Gateways_seeing_the_same_stale_snapshots_each_make_up_only_their_share_of_the_difference()
    {
        // Two other gateways' requests as the last snapshots showed them: e1 looked idle, e2 busy. Every gateway gets the
        // same snapshots at about the same time; this one now places its 8 requests.
        const string third = "akka.tcp://llm-router@10.0.0.3:4053#3";
        var others = new Dictionary<string, (int Second, int Third)> { ["e1"] = (1, 1), ["e2"] = (4, 4), ["e3"] = (3, 3) };
        var cache = new SnapshotCache();
        var book = new LeaseBook(TimeProvider.System);
        foreach (var (id, (second, third_)) in others)
            cache.Apply(EndpointSnapshot.Empty(id) with
            {
                Incarnation = 1, Sequence = 1, InFlight = second + third_,
                InFlightByHolder = new Dictionary<string, int> { [Other] = second, [third] = third_ },
            });
        var strategy = new LeastBusyStrategy();
        var random = new SeededRandomSource(7);

        for (var i = 0; i < 8; i++)
        {
            var candidates = others.Keys.Select(id =>
            {
                var slot = cache.Slot(id);
                return new EndpointCandidate(new EndpointDefinition(id, "g", "http://x"), slot.Snapshot)
                    { Pending = InFlightView.Pending(slot, slot.Snapshot, book.InUseOn(id), Self) };
            }).ToList();
            var pick = candidates[strategy.Pick(candidates, new RoutingContext(new RouteRequest("g", $"r{i}"), DateTimeOffset.UtcNow, random, new StrategySettings()))];
            book.Add(new Lease($"l{i}", pick.Id, "g", "http://x", DateTimeOffset.UtcNow.AddMinutes(1)), 0);
        }

        // Counting all of the others' requests, this gateway would put 6 of its 8 on e1 (2 + 6 = 8 + 0 = 6 + 2), and so
        // would the other two, which see the same: 18 on e1.
        book.InUseOn("e1").Value.Should().BeLessThanOrEqualTo(4, "a third of the difference is this gateway's to make up");
        book.InUseOn("e2").Value.Should().BeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public void Ranking_takes_the_others_part_from_the_last_published_snapshot_and_a_bound_from_the_actors_latest_answer()
    {
        var cache = new SnapshotCache();
        var book = new LeaseBook(TimeProvider.System);
        cache.Apply(EndpointSnapshot.Empty("e1") with
        {
            Incarnation = 3, Sequence = 9, InFlight = 3,
            InFlightByHolder = new Dictionary<string, int> { [Self] = 1, [Other] = 2 },
        });
        book.Add(new Lease("l1", "e1", "g", "http://x", DateTimeOffset.UtcNow.AddMinutes(1)), 0);
        book.Add(new Lease("l2", "e1", "g", "http://x", DateTimeOffset.UtcNow.AddMinutes(1)), 0);
        // The answer to this node's second acquire: the actor's count (5: the other node has taken one more since the
        // snapshot), which does not say whose.
        cache.ObserveInFlight(new LeaseAcquired("e1", "l2", DateTimeOffset.UtcNow.AddMinutes(1), 5, 3, 10), book.InUseOn("e1").Value);
        var slot = cache.Slot("e1");
        var snapshot = slot.Snapshot;

        // Ranking reads the other's part from the published snapshot: only the endpoint this node asked has an answer, and
        // refreshing its figure alone would make the endpoints this node asks (its own) look busier than the rest.
        (snapshot.InFlight + InFlightView.Pending(slot, snapshot, book.InUseOn("e1"), Self)).Should().Be(3, "this node's 2 and half the other's 2");
        InFlightView.Total(slot, book.InUseOn("e1"), Self).Should().Be(5, "the actor's count: this node's 2 and the other's 3");

        // This node releases one before the next snapshot: the answer's count still includes it, the other's part does not.
        book.Remove(new ReportOutcome("e1", "l1", OutcomeKind.Success), resend: false);
        (snapshot.InFlight + InFlightView.Pending(slot, snapshot, book.InUseOn("e1"), Self)).Should().Be(2, "this node's 1 and half the other's 2");
        InFlightView.Total(slot, book.InUseOn("e1"), Self).Should().Be(4);
    }

    [Fact]
    public void Without_any_snapshot_naming_holders_this_nodes_activity_since_the_snapshot_is_added()
    {
        var cache = new SnapshotCache();
        var book = new LeaseBook(TimeProvider.System);
        cache.Apply(EndpointSnapshot.Empty("e1") with { Incarnation = 3, Sequence = 9, InFlight = 5 });
        var slot = cache.Slot("e1");
        slot.GrantedHere();

        InFlightView.Pending(slot, slot.Snapshot, book.InUseOn("e1"), Self).Should().Be(1, "a count without holders cannot be split");
    }
}
