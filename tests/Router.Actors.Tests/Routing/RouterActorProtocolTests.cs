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

    private (IActorRef Router, Akka.TestKit.TestProbe Region, RouterRuntime Runtime) Start(string strategy, params (string Id, int InFlight)[] known)
    {
        var options = new RouterClusterSettings
        {
            // A client-role node: the router does not wait for a gateway quorum that a lone test system cannot have.
            Roles = ["client"],
            Groups = [new ModelGroupDefinition("g", strategy)],
            Endpoints = Endpoints.Select(id => new EndpointDefinition(id, "g", $"http://{id}.example/v1")).ToList(),
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
        asked.GrantBelowInFlight.Should().Be(6, "b looks to have 5 in flight, so a may take the request with up to 5");
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
        second.GrantBelowInFlight.Should().Be(8, "the alternatives are c at 7 and a at its exact 9");
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
}
