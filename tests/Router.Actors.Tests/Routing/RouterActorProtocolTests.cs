using Akka.Actor;
using Akka.TestKit.Xunit2;
using Router.Actors.Hosting;
using Router.Actors.Routing;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Routing;

/// <summary>
/// The router's conversation with endpoint actors, with a probe standing in for the endpoint shard region: what it
/// asks for, and what it does with each answer.
/// </summary>
public sealed class RouterActorProtocolTests() : TestKit("""
    akka.actor.provider = cluster
    akka.remote.dot-netty.tcp.port = 0
    akka.remote.dot-netty.tcp.hostname = 127.0.0.1
    akka.loglevel = WARNING
    """)
{
    private static readonly string[] Endpoints = ["a", "b", "c"];

    private static EndpointDefinition Endpoint(string id, int? maxInFlight = null, int order = 0) =>
        new(id, "g", $"http://{id}.example/v1", MaxInFlight: maxInFlight, Order: order);

    /// <summary>Endpoints a, b and c, capped (a least-busy pick asks for a grant below a bound only when a cap leaves the
    /// grant to its actor), with the in-flight counts this node knows of them.</summary>
    private (IActorRef Router, Akka.TestKit.TestProbe Region, RouterRuntime Runtime) Start(string strategy, params (string Id, int InFlight)[] known) =>
        Start(strategy, Endpoints.Select(id => Endpoint(id, maxInFlight: 100)).ToList(), new RoutingSettings(), known);

    private (IActorRef Router, Akka.TestKit.TestProbe Region, RouterRuntime Runtime) Start(string strategy, IReadOnlyList<EndpointDefinition> endpoints,
        RoutingSettings routing, params (string Id, int InFlight)[] known)
    {
        var options = new RouterClusterSettings
        {
            // A client-role node: the router does not wait for a gateway quorum that a lone test system cannot have.
            Roles = ["client"],
            Groups = [new ModelGroupDefinition("g", strategy)],
            Endpoints = endpoints,
            Routing = routing,
        };
        var runtime = new RouterRuntime(options);
        foreach (var (id, inFlight) in known)
            runtime.Snapshots.Apply(EndpointSnapshot.Empty(id) with { Incarnation = 1, Sequence = 1, InFlight = inFlight });
        var region = CreateTestProbe();
        var router = Sys.ActorOf(Props.Create(() => new RouterActor(runtime, region.Ref)));
        return (router, region, runtime);
    }

    private static LeaseRefused Busier(AcquireLease asked, int inFlight) =>
        new(asked.EndpointId, asked.LeaseId, LeaseRefusalReason.BusierThanAlternative, null,
            EndpointSnapshot.Empty(asked.EndpointId) with { Incarnation = 1, Sequence = 2, InFlight = inFlight });

    private static LeaseAcquired Granted(AcquireLease asked, int inFlight) =>
        new(asked.EndpointId, asked.LeaseId, DateTimeOffset.UtcNow.AddMinutes(1), inFlight, 1, 3);

    [Fact]
    public void Least_busy_asks_the_pick_to_grant_only_while_it_is_no_busier_than_the_least_busy_alternative()
    {
        var (router, region, _) = Start("least-busy", ("a", 0), ("b", 5), ("c", 7));
        router.Tell(new RouteRequest("g", "r1"), TestActor);

        var asked = region.ExpectMsg<AcquireLease>();
        asked.EndpointId.Should().Be("a");
        asked.GrantBelowInFlight.Should().Be(7, "b looks to have 5 in flight, so a may take the request with up to 5 + 1 (the slack)");
    }

    [Fact]
    public void A_pick_busier_than_it_looked_is_ranked_again_on_its_exact_count_without_using_up_an_attempt()
    {
        var (router, region, _) = Start("least-busy", ("a", 0), ("b", 5), ("c", 7));
        router.Tell(new RouteRequest("g", "r1"), TestActor);

        var first = region.ExpectMsg<AcquireLease>();
        first.EndpointId.Should().Be("a");
        region.Reply(Busier(first, 9));

        var second = region.ExpectMsg<AcquireLease>();
        second.EndpointId.Should().Be("b", "with a's exact 9, b (5) is now the least busy");
        second.GrantBelowInFlight.Should().Be(9, "the alternatives are c at 7 and a at its exact 9: up to 7 + 1 (the slack)");
        region.Reply(Granted(second, 6));

        var granted = ExpectMsg<LeaseGranted>();
        granted.Lease.EndpointId.Should().Be("b");
        granted.Attempts.Should().Be(1, "a refusal for being busier is not a failed attempt");
    }

    [Fact]
    public void After_three_refusals_for_being_busier_the_router_asks_without_the_condition()
    {
        var (router, region, _) = Start("least-busy", ("a", 0), ("b", 0), ("c", 0));
        router.Tell(new RouteRequest("g", "r1"), TestActor);

        for (var refusal = 0; refusal < 3; refusal++)
        {
            var asked = region.ExpectMsg<AcquireLease>();
            asked.GrantBelowInFlight.Should().NotBeNull();
            region.Reply(Busier(asked, 4));
        }

        var last = region.ExpectMsg<AcquireLease>();
        last.GrantBelowInFlight.Should().BeNull("a decision costs at most three extra round trips");
        region.Reply(Granted(last, 5));
        ExpectMsg<LeaseGranted>().Attempts.Should().Be(1);
    }

    [Fact]
    public void An_uncapped_least_busy_pick_is_asked_unconditionally()
    {
        var (router, region, _) = Start("least-busy", Endpoints.Select(id => Endpoint(id)).ToList(), new RoutingSettings(), ("a", 0), ("b", 5), ("c", 7));
        router.Tell(new RouteRequest("g", "r1"), TestActor);

        var asked = region.ExpectMsg<AcquireLease>();
        asked.EndpointId.Should().Be("a");
        asked.GrantBelowInFlight.Should().BeNull("with nothing to cap, ranking on this node's exact count is the whole decision");
    }

    [Fact]
    public void Strategies_that_do_not_rank_on_in_flight_counts_ask_unconditionally()
    {
        var (router, region, _) = Start("round-robin");
        router.Tell(new RouteRequest("g", "r1"), TestActor);

        region.ExpectMsg<AcquireLease>().GrantBelowInFlight.Should().BeNull();
    }

    [Fact]
    public void A_refusal_at_capacity_moves_on_to_the_next_endpoint_and_counts_as_an_attempt()
    {
        var (router, region, _) = Start("least-busy", ("a", 0), ("b", 1), ("c", 2));
        router.Tell(new RouteRequest("g", "r1"), TestActor);

        var first = region.ExpectMsg<AcquireLease>();
        region.Reply(new LeaseRefused(first.EndpointId, first.LeaseId, LeaseRefusalReason.AtCapacity, TimeSpan.FromSeconds(1),
            EndpointSnapshot.Empty(first.EndpointId)));

        var second = region.ExpectMsg<AcquireLease>();
        second.EndpointId.Should().NotBe(first.EndpointId, "an endpoint at its cap is not asked again in the same decision");
        region.Reply(Granted(second, 2));
        ExpectMsg<LeaseGranted>().Attempts.Should().Be(2);
    }

    /// <summary>An acquire timeout short enough for a test, long enough that a loaded machine answers a probe in time.</summary>
    private static readonly RoutingSettings QuickTimeout = new() { AcquireTimeout = TimeSpan.FromMilliseconds(300) };

    [Fact]
    public void An_endpoint_that_does_not_answer_in_time_gets_the_lease_back_the_next_one_is_asked_and_later_decisions_avoid_it()
    {
        var (router, region, _) = Start("least-busy", Endpoints.Select(id => Endpoint(id)).ToList(), QuickTimeout, ("a", 0), ("b", 5), ("c", 7));
        router.Tell(new RouteRequest("g", "r1"), TestActor);

        var silent = region.ExpectMsg<AcquireLease>();
        silent.EndpointId.Should().Be("a");
        // No answer. The grant may still be on its way, so the lease is given back before the next endpoint is asked.
        var givenBack = region.ExpectMsg<ReportOutcome>();
        (givenBack.EndpointId, givenBack.LeaseId, givenBack.Kind).Should().Be(("a", silent.LeaseId, OutcomeKind.NotUsed));
        var next = region.ExpectMsg<AcquireLease>();
        next.EndpointId.Should().Be("b");
        region.Reply(Granted(next, 6));
        ExpectMsg<LeaseGranted>().Attempts.Should().Be(2, "the silent endpoint used up an attempt");

        // a's snapshot was dropped with its silence, so least-busy would rank it first (0 in flight) if it were not avoided.
        router.Tell(new RouteRequest("g", "r2"), TestActor);
        region.ExpectMsg<AcquireLease>().EndpointId.Should().NotBe("a", "an endpoint that did not answer is avoided for a while");
    }

    [Fact]
    public void A_grant_that_arrives_after_the_timeout_is_given_back_and_the_caller_gets_the_next_endpoints_lease()
    {
        // A second's acquire timeout: the next endpoint's grant must arrive within it however busy the machine is.
        var (router, region, _) = Start("round-robin", Endpoints.Select(id => Endpoint(id)).ToList(),
            new RoutingSettings { AcquireTimeout = TimeSpan.FromSeconds(1) });
        router.Tell(new RouteRequest("g", "r1"), TestActor);
        var late = region.ExpectMsg<AcquireLease>();
        region.ExpectMsg<ReportOutcome>().LeaseId.Should().Be(late.LeaseId);
        var next = region.ExpectMsg<AcquireLease>();

        router.Tell(Granted(late, 1), region.Ref);

        var givenBack = region.ExpectMsg<ReportOutcome>();
        (givenBack.EndpointId, givenBack.LeaseId, givenBack.Kind).Should().Be((late.EndpointId, late.LeaseId, OutcomeKind.NotUsed),
            "nobody waits for the late grant, so its slot must not stay taken");
        router.Tell(Granted(next, 1), region.Ref);
        // The caller's first and only answer is the next endpoint's lease: the late grant never reached it.
        ExpectMsg<LeaseGranted>().Lease.LeaseId.Should().Be(next.LeaseId);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void The_lowest_order_tier_is_asked_while_it_has_room_and_the_next_tier_once_it_has_none()
    {
        var endpoints = new[] { Endpoint("primary", maxInFlight: 2, order: 0), Endpoint("backup-1", order: 1), Endpoint("backup-2", order: 1) };
        var (router, region, runtime) = Start("round-robin", endpoints, new RoutingSettings(), ("primary", 0), ("backup-1", 0), ("backup-2", 0));

        for (var i = 0; i < 2; i++)
        {
            router.Tell(new RouteRequest("g", $"r{i}"), TestActor);
            var asked = region.ExpectMsg<AcquireLease>();
            asked.EndpointId.Should().Be("primary", "round-robin turns only within the lowest tier while it has room (request {0})", i);
            region.Reply(Granted(asked, i + 1));
            ExpectMsg<LeaseGranted>();
        }

        // The primary's snapshot says it is at its cap: the backup tier takes the next request.
        runtime.Snapshots.Apply(EndpointSnapshot.Empty("primary") with { Incarnation = 1, Sequence = 10, InFlight = 2 });
        router.Tell(new RouteRequest("g", "r2"), TestActor);
        region.ExpectMsg<AcquireLease>().EndpointId.Should().StartWith("backup-");
    }

    [Fact]
    public void Leases_this_node_released_count_at_once_not_at_the_endpoints_next_snapshot()
    {
        var (router, region, runtime) = Start("least-busy", ("a", 3), ("b", 1), ("c", 2));
        // This node's callers released three of a's leases a moment ago; a's next snapshot has not come yet.
        for (var i = 0; i < 3; i++) runtime.Snapshots.Slot("a").ReleasedHere();
        router.Tell(new RouteRequest("g", "r1"), TestActor);

        var asked = region.ExpectMsg<AcquireLease>();
        asked.EndpointId.Should().Be("a", "a has 0 in flight once this node's own releases count");
        asked.GrantBelowInFlight.Should().Be(3, "b at 1 is the least busy alternative, plus a slack of 1");
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(4, 1)]
    [InlineData(8, 2)]
    [InlineData(40, 10)]
    public void A_pick_may_be_busier_than_the_least_busy_alternative_by_one_request_or_a_quarter_of_its_count(int least, int slack) =>
        RouterActor.BusierSlack(least).Should().Be(slack);

    /// <summary>
    /// The endpoint moved while its grant was on the way here: its successor asked this node what it holds before the
    /// grant was booked, heard nothing of it, and does not count it. Running the request would put the endpoint over its cap.
    /// </summary>
    [Fact]
    public void A_grant_of_a_replaced_incarnation_booked_after_this_node_answered_the_successor_is_given_back_and_the_successor_asked()
    {
        var (router, region, runtime) = Start("round-robin", [Endpoint("a", maxInFlight: 1)], new RoutingSettings());
        router.Tell(new RouteRequest("g", "r1"), TestActor);
        var first = region.ExpectMsg<AcquireLease>();

        runtime.Leases.Queried("a", incarnation: 2); // the successor's query, answered by this node's lease keeper
        region.Reply(new LeaseAcquired("a", first.LeaseId, DateTimeOffset.UtcNow.AddMinutes(1), 1, Incarnation: 1, Sequence: 3));

        region.ExpectMsg<ReportOutcome>().Should().Be(new ReportOutcome("a", first.LeaseId, OutcomeKind.NotUsed));
        var again = region.ExpectMsg<AcquireLease>();
        again.EndpointId.Should().Be("a");
        runtime.Leases.HeldOn("a").Should().BeEmpty("the replaced incarnation's grant was never this node's to run");
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        region.Reply(new LeaseAcquired("a", again.LeaseId, DateTimeOffset.UtcNow.AddMinutes(1), 1, Incarnation: 2, Sequence: 1));
        var granted = ExpectMsg<LeaseGranted>();
        granted.Lease.LeaseId.Should().Be(again.LeaseId);
        granted.Attempts.Should().Be(1, "a grant given back is not an attempt");
        runtime.Leases.HeldOn("a").Select(h => h.LeaseId).Should().Equal(again.LeaseId);
    }

    [Fact]
    public void A_grant_for_a_caller_on_another_node_names_the_incarnation_that_granted_it_and_is_booked_there()
    {
        var (router, region, runtime) = Start("round-robin", [Endpoint("a", maxInFlight: 1)], new RoutingSettings());
        router.Tell(new RouteRequest("g", "r1", Holder: "akka.tcp://llm-router@10.0.0.2:4053#7"), TestActor);
        var asked = region.ExpectMsg<AcquireLease>();

        region.Reply(new LeaseAcquired("a", asked.LeaseId, DateTimeOffset.UtcNow.AddMinutes(1), 1, Incarnation: 5, Sequence: 1));

        ExpectMsg<LeaseGranted>().Incarnation.Should().Be(5, "the caller's node checks it against the queries it answered");
        runtime.Leases.HeldOn("a").Should().BeEmpty("the caller's node books and renews it, not this one");
    }

    [Fact]
    public void A_grant_asked_for_after_this_node_answered_the_successor_is_used()
    {
        var (router, region, runtime) = Start("round-robin", [Endpoint("a", maxInFlight: 1)], new RoutingSettings());
        runtime.Leases.Queried("a", incarnation: 2);
        router.Tell(new RouteRequest("g", "r1"), TestActor);
        var asked = region.ExpectMsg<AcquireLease>();

        // From any incarnation: the query was answered before this request was asked for, so it had nothing to miss.
        region.Reply(new LeaseAcquired("a", asked.LeaseId, DateTimeOffset.UtcNow.AddMinutes(1), 1, Incarnation: 1, Sequence: 3));

        ExpectMsg<LeaseGranted>().Lease.LeaseId.Should().Be(asked.LeaseId);
    }
}
