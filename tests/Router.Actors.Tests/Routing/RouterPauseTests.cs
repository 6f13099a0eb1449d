using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Time.Testing;
using Router.Actors.Hosting;
using Router.Actors.Routing;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Routing;

/// <summary>
/// What a router does when its whole process stood still (a long GC pause, a descheduled VM), told apart from a node
/// that is cut off by the time that passed without the node running: the clock jumps, nothing ran in between.
/// </summary>
public sealed class RouterPauseTests() : TestKit("""
    akka.actor.provider = cluster
    akka.remote.dot-netty.tcp.port = 0
    akka.remote.dot-netty.tcp.hostname = 127.0.0.1
    akka.loglevel = WARNING
    """)
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private static readonly TimeSpan QuorumInterval = TimeSpan.FromMilliseconds(500);

    private (IActorRef Router, Akka.TestKit.TestProbe Region, RouterRuntime Runtime) Start(bool gateway = true)
    {
        var options = new RouterClusterSettings
        {
            Clock = _clock,
            Roles = gateway ? [RouterClusterSettings.GatewayRole] : ["client"],
            Groups = [new ModelGroupDefinition("g", "round-robin")],
            Endpoints = [new EndpointDefinition("a", "g", "http://a.example/v1"), new EndpointDefinition("b", "g", "http://b.example/v1")],
        };
        var runtime = new RouterRuntime(options);
        if (gateway) QuorumRound(runtime, answered: true);
        var region = CreateTestProbe();
        var router = Sys.ActorOf(Props.Create(() => new RouterActor(runtime, region.Ref)));
        return (router, region, runtime);
    }

    /// <summary>What the quorum monitor does each interval: send a round, and confirm it when a majority answers.</summary>
    private void QuorumRound(RouterRuntime runtime, bool answered)
    {
        var sentAt = _clock.GetTimestamp();
        runtime.Quorum.RoundSent(sentAt);
        if (answered) runtime.Quorum.Confirm(sentAt);
    }

    private static LeaseAcquired Granted(AcquireLease asked) =>
        new(asked.EndpointId, asked.LeaseId, DateTimeOffset.UtcNow.AddMinutes(1), 1, 1, 3);

    [Fact]
    public void After_a_pause_of_the_whole_process_a_decision_waits_for_the_majority_instead_of_being_refused()
    {
        var (router, region, runtime) = Start();
        _clock.Advance(TimeSpan.FromSeconds(3)); // the process stood still: no round was sent, the majority lapsed
        runtime.Quorum.HasMajority.Should().BeFalse();

        router.Tell(new RouteRequest("g", "r1"), TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // not refused with NoQuorum
        region.ExpectNoMsg(TimeSpan.Zero);

        QuorumRound(runtime, answered: true); // the monitor's first round after the pause
        var asked = region.ExpectMsg<AcquireLease>();
        region.Reply(Granted(asked));
        ExpectMsg<LeaseGranted>().Lease.EndpointId.Should().Be(asked.EndpointId);
    }

    [Fact]
    public void A_decision_held_back_after_a_pause_is_refused_when_the_majority_does_not_come_back_within_the_authority_ttl()
    {
        var (router, _, runtime) = Start();
        _clock.Advance(TimeSpan.FromSeconds(3));
        router.Tell(new RouteRequest("g", "r1"), TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        // The node resumed but nobody answers its rounds: it is cut off after all.
        for (var i = 0; i < 5; i++)
        {
            QuorumRound(runtime, answered: false);
            _clock.Advance(QuorumInterval);
        }

        ExpectMsg<NoEndpointAvailable>().Reason.Should().Be(NoEndpointReason.NoQuorum);
    }

    [Fact]
    public void A_gateway_cut_off_from_the_majority_still_refuses_at_once()
    {
        var (router, region, runtime) = Start();
        // The monitor kept sending its rounds every interval; nobody answered them.
        for (var i = 0; i < 6; i++)
        {
            _clock.Advance(QuorumInterval);
            QuorumRound(runtime, answered: false);
        }
        runtime.Quorum.HasMajority.Should().BeFalse();
        runtime.Quorum.LapsedByLocalPause.Should().BeFalse();

        router.Tell(new RouteRequest("g", "r1"), TestActor);
        ExpectMsg<NoEndpointAvailable>(TimeSpan.FromMilliseconds(500)).Reason.Should().Be(NoEndpointReason.NoQuorum);
        region.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void An_acquire_in_the_air_during_a_pause_is_not_given_up_and_its_endpoint_is_not_marked_silent()
    {
        var (router, region, runtime) = Start(gateway: false);
        router.Tell(new RouteRequest("g", "r1"), TestActor);
        var asked = region.ExpectMsg<AcquireLease>();

        _clock.Advance(TimeSpan.FromSeconds(3)); // three times the acquire timeout, all of it with the process stopped
        // The router's timeout tick runs (every 250 ms) and must see the pause, not a silent endpoint: no NotUsed
        // release of the acquire in the air, no acquire at the next endpoint.
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(700));
        runtime.SilentEndpoints.IsEmpty.Should().BeTrue();

        router.Tell(Granted(asked), region.Ref);
        var granted = ExpectMsg<LeaseGranted>();
        granted.Lease.EndpointId.Should().Be(asked.EndpointId);
        granted.Attempts.Should().Be(1);
    }
}
