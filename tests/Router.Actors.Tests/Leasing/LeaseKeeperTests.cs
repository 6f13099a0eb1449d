using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Time.Testing;
using Router.Actors.Endpoints;
using Router.Actors.Hosting;
using Router.Actors.Leasing;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Leasing;

/// <summary>
/// The holder's side of fencing: the lease keeper renews what its node holds and revokes (aborts) what it could not
/// renew in time, before the endpoint may give the slot away. The endpoint region is a probe that answers or not.
/// </summary>
public class LeaseKeeperTests : TestKit
{
    private static readonly EndpointSettings Settings = new()
    {
        LeaseTtl = TimeSpan.FromSeconds(10), FencingMargin = TimeSpan.FromSeconds(3), RenewInterval = TimeSpan.FromMilliseconds(100),
    };
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly RouterRuntime _runtime;
    private readonly Akka.TestKit.TestProbe _region;
    private readonly IActorRef _keeper;

    public LeaseKeeperTests() : base("""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp.port = 0
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        """)
    {
        _runtime = new RouterRuntime(new RouterClusterSettings { Clock = _clock, Endpoint = Settings });
        _region = CreateTestProbe();
        _keeper = Sys.ActorOf(Props.Create(() => new LeaseKeeperActor(_runtime, _region.Ref)));
    }

    private CancellationToken Hold(string leaseId)
    {
        _runtime.Leases.Add(new Lease(leaseId, "e1", "g", "http://e1", _clock.GetUtcNow().AddMinutes(10), 100), _clock.GetTimestamp());
        return _runtime.Leases.RevocationOf(leaseId);
    }

    [Fact]
    public void A_lease_the_endpoint_never_confirms_is_revoked_before_the_endpoint_may_reclaim_it()
    {
        var revoked = Hold("lease-1");
        var statement = _region.ExpectMsg<RenewLeases>();
        statement.Held.Select(h => h.LeaseId).Should().Equal("lease-1");

        // Silence from the endpoint (partition, or its node is gone). At TTL - margin the request must stop.
        _clock.Advance(Settings.LeaseTtl - Settings.FencingMargin);
        AwaitCondition(() => revoked.IsCancellationRequested, TimeSpan.FromSeconds(5));
        _runtime.Leases.Count.Should().Be(0);
        // And the endpoint is told, in case it can still hear this node.
        _region.FishForMessage(m => m is ReportOutcome { LeaseId: "lease-1", Kind: OutcomeKind.Cancelled });
    }

    [Fact]
    public void A_lease_the_endpoint_keeps_confirming_lives_as_long_as_its_request()
    {
        var revoked = Hold("lease-1");
        for (var i = 0; i < 5; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(4));
            // Answer a statement sent after the clock moved, as the endpoint would.
            // (The first after draining may have been sent just before the advance; the second cannot have been.)
            while (_region.HasMessages) _region.ReceiveOne(TimeSpan.Zero);
            _region.ExpectMsg<RenewLeases>();
            var statement = _region.ExpectMsg<RenewLeases>();
            _region.Reply(new LeasesRenewed("e1", statement.Round, []));
            AwaitCondition(() => _runtime.Leases.Count == 1 && !revoked.IsCancellationRequested, TimeSpan.FromSeconds(2));
        }
        revoked.IsCancellationRequested.Should().BeFalse("20 s of a request whose lease was renewed every 4 s");
    }

    [Fact]
    public void A_lease_an_endpoint_refuses_unasked_is_revoked_at_once()
    {
        var revoked = Hold("spare-1");
        var other = Hold("lease-2");
        // An endpoint that cannot count a grant made here (a spare an earlier incarnation lent) says so without a statement.
        _keeper.Tell(new LeasesRenewed("e1", 0, ["spare-1"]), _region.Ref);
        AwaitCondition(() => revoked.IsCancellationRequested, TimeSpan.FromSeconds(5));
        other.IsCancellationRequested.Should().BeFalse("only the lease it named stops");
        _runtime.Leases.Count.Should().Be(1);
    }

    [Fact]
    public void A_lease_the_endpoint_no_longer_counts_is_revoked_at_once()
    {
        var revoked = Hold("lease-1");
        var statement = _region.ExpectMsg<RenewLeases>();
        _region.Reply(new LeasesRenewed("e1", statement.Round, ["lease-1"]));
        AwaitCondition(() => revoked.IsCancellationRequested, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void A_new_incarnation_is_told_the_leases_held_and_the_grants_of_the_last_minute()
    {
        Hold("lease-1");
        var released = new Lease("lease-0", "e1", "g", "http://e1", _clock.GetUtcNow().AddMinutes(10), 100);
        _runtime.Leases.Add(released, _clock.GetTimestamp());
        _runtime.Leases.Remove(new ReportOutcome("e1", "lease-0", OutcomeKind.Success, 5, null, 300, 200), resend: false);

        _keeper.Tell(new QueryHeldLeases("e1"), TestActor);
        var answer = FishForMessage<RenewLeases>(_ => true);
        answer.Held.Select(h => h.LeaseId).Should().Equal("lease-1");
        answer.RecentGrants.Should().NotBeNull();
        answer.RecentGrants!.Sum(g => g.Requests).Should().Be(2);
        answer.RecentGrants!.Sum(g => g.Tokens).Should().Be(100 + 500, "the released grant is charged what the upstream counted");
    }

    [Fact]
    public void The_answer_names_the_asking_incarnation_and_a_grant_asked_for_before_it_is_then_known_as_possibly_missed()
    {
        var askedAt = _clock.GetTimestamp();
        _clock.Advance(TimeSpan.FromMilliseconds(1));

        _keeper.Tell(new QueryHeldLeases("e1", Incarnation: 42), TestActor);

        FishForMessage<RenewLeases>(_ => true).Answers.Should().Be(42);
        var late = new LeaseAcquired("e1", "lease-1", _clock.GetUtcNow().AddMinutes(1), 1, Incarnation: 41);
        _runtime.Leases.MissedByQuery(late.EndpointId, late.Incarnation, askedAt).Should().BeTrue("the answer was taken after the grant was asked for, and may lack it");
        _runtime.Leases.MissedByQuery(late.EndpointId, 42, askedAt).Should().BeFalse("the asking incarnation counts its own grants");
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        _runtime.Leases.MissedByQuery(late.EndpointId, late.Incarnation, _clock.GetTimestamp()).Should().BeFalse("asked for after the answer: nothing to miss");
    }
}
