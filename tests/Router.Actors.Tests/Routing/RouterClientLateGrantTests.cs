using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Router.Actors.Hosting;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Routing;

/// <summary>
/// A <see cref="RouterClient"/> on a node without a router pool (another Akka service) books the grants a gateway's router
/// makes for it. A grant of an endpoint's replaced incarnation that reaches it after its lease keeper told the successor
/// what it holds is missing from that answer: the successor does not count it, so it is given back and asked again, as
/// a gateway's router does for its own node. A probe stands in for the gateway's router pool and one for the region.
/// </summary>
public sealed class RouterClientLateGrantTests : TestKit
{
    private readonly RouterRuntime _runtime = new(new RouterClusterSettings { Roles = ["client"] });
    private readonly TestProbe _router;
    private readonly TestProbe _region;
    private readonly RouterClient _client;

    public RouterClientLateGrantTests() : base("""
        akka.loglevel = INFO
        akka.actor.provider = cluster
        akka.cluster.roles = [gateway]
        akka.remote.dot-netty.tcp.port = 0
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        """)
    {
        _router = CreateTestProbe();
        _region = CreateTestProbe();
        // Where the client looks for a gateway's router pool; no local pool is given to it, so it asks through the cluster.
        Sys.ActorOf(Props.Create(() => new Forwarder(_router.Ref)), RouterHostingExtensions.RouterActorName);
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        AwaitCondition(() => cluster.State.Members.Any(m => m.Status == Akka.Cluster.MemberStatus.Up), TimeSpan.FromSeconds(20));
        _client = new RouterClient(Sys, _runtime, _region.Ref);
    }

    private static LeaseGranted Grant(string leaseId, long incarnation) =>
        new(new Lease(leaseId, "a", "g", "http://a.example/v1", DateTimeOffset.UtcNow.AddMinutes(1)), 1, incarnation);

    [Fact]
    public async Task A_grant_of_a_replaced_incarnation_booked_after_this_node_answered_the_successor_is_given_back_and_asked_again()
    {
        var answer = _client.RouteAsync(new RouteRequest("g", "r1"), TimeSpan.FromSeconds(10)).AsTask();
        _router.ExpectMsg<RouteRequest>();

        _runtime.Leases.Queried("a", incarnation: 2); // the successor's query, answered by this node's lease keeper
        EventFilter.Info(contains: "from its replaced incarnation 1 arrived after this node told the successor").ExpectOne(() =>
            _router.Reply(Grant("late", incarnation: 1)));

        _region.ExpectMsg<ReportOutcome>().Should().Be(new ReportOutcome("a", "late", OutcomeKind.NotUsed));
        _router.ExpectMsg<RouteRequest>(); // the successor is asked instead
        _runtime.Leases.HeldOn("a").Should().BeEmpty("the replaced incarnation's grant was never this node's to run");
        answer.IsCompleted.Should().BeFalse();

        _router.Reply(Grant("counted", incarnation: 2));
        (await answer).Should().BeOfType<LeaseGranted>().Which.Lease.LeaseId.Should().Be("counted");
        _runtime.Leases.HeldOn("a").Select(h => h.LeaseId).Should().Equal("counted");
        _region.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Theory]
    [InlineData(2L, "the successor's own grant, which it counts")]
    [InlineData(0L, "granted without the endpoint's actor (or by a gateway too old to say): nothing was handed over")]
    public async Task Any_other_grant_is_used(long incarnation, string because)
    {
        var answer = _client.RouteAsync(new RouteRequest("g", "r1"), TimeSpan.FromSeconds(10)).AsTask();
        _router.ExpectMsg<RouteRequest>();
        _runtime.Leases.Queried("a", incarnation: 2);

        _router.Reply(Grant("lease", incarnation));

        (await answer).Should().BeOfType<LeaseGranted>(because).Which.Lease.LeaseId.Should().Be("lease");
        _runtime.Leases.HeldOn("a").Select(h => h.LeaseId).Should().Equal("lease");
        _region.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task A_grant_asked_for_after_this_node_answered_the_successor_is_used()
    {
        _runtime.Leases.Queried("a", incarnation: 2);
        var answer = _client.RouteAsync(new RouteRequest("g", "r1"), TimeSpan.FromSeconds(10)).AsTask();
        _router.ExpectMsg<RouteRequest>();

        _router.Reply(Grant("lease", incarnation: 1));

        (await answer).Should().BeOfType<LeaseGranted>().Which.Lease.LeaseId.Should().Be("lease");
    }

    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef to) => ReceiveAny(message => to.Forward(message));
    }
}
