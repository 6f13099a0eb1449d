using Microsoft.Extensions.Time.Testing;
using Router.Actors.Endpoints;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Endpoints;

/// <summary>
/// After a move, the slots a silent holder keeps end with its leases: the previous incarnation's snapshot says the latest
/// deadline per holder, so a strict endpoint does not hold them for a whole lease duration from the take-over.
/// </summary>
public class SilentHolderDeadlineTests
{
    private const string HolderA = "akka.tcp://llm-router@10.0.0.5:4053#111";
    private const string Frozen = "akka.tcp://llm-router@10.0.0.7:4053#777";
    private static readonly TimeSpan LongestLease = TimeSpan.FromMinutes(10);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private static readonly EndpointSettings Settings = new()
    {
        FailureThreshold = 1, Cooldown = TimeSpan.FromSeconds(30), LeaseTtl = TimeSpan.FromSeconds(10), MaxRetryAfter = TimeSpan.FromMinutes(5),
    };
    private static readonly EndpointDefinition Strict = new("e1", "g", "http://localhost:1", MaxInFlight: 1, Fencing: LeaseFencing.Strict);
    private int _leaseCounter;

    private EndpointLedger NewLedger() => new("e1", Settings, _clock);

    private AcquireLease Acquire(TimeSpan duration, string holder = HolderA) => new("e1", $"lease-{++_leaseCounter}", duration, 0, holder);

    private AcquireLease Acquire() => Acquire(LongestLease);

    /// <summary>The previous incarnation: <see cref="Frozen"/> took the only slot for 30 s. Returns its last snapshot and that deadline.</summary>
    private (EndpointSnapshot Published, DateTimeOffset Deadline) FrozenHolderTookTheSlotFor30Seconds(EndpointDefinition definition)
    {
        var previous = NewLedger();
        var lease = previous.TryAcquire(definition, Acquire(TimeSpan.FromSeconds(30), Frozen)).Should().BeOfType<LeaseAcquired>().Which;
        return (previous.Snapshot(), lease.ExpiresAt);
    }

    private EndpointLedger TakenOverAfter(TimeSpan moveTook, EndpointSnapshot published, EndpointDefinition definition, params string[] answered)
    {
        _clock.Advance(moveTook);
        var next = NewLedger();
        next.ApplyDefinition(definition);
        next.TakeOver(published, new HashSet<string>(answered), LongestLease);
        return next;
    }

    [Fact]
    public void A_strict_endpoint_frees_a_silent_holders_slot_at_its_leases_deadline_not_a_lease_duration_after_the_move()
    {
        var (published, deadline) = FrozenHolderTookTheSlotFor30Seconds(Strict);
        published.LatestDeadlineByHolder.Should().ContainKey(Frozen).WhoseValue.Should().Be(deadline);

        var next = TakenOverAfter(TimeSpan.FromSeconds(5), published, Strict, HolderA);
        next.Snapshot().LatestDeadlineByHolder.Should().ContainKey(Frozen).WhoseValue.Should().Be(deadline,
            "the kept slot carries the deadline on, should the endpoint move again");

        _clock.Advance(deadline - _clock.GetUtcNow() - TimeSpan.FromMilliseconds(1));
        next.TryAcquire(Strict, Acquire()).Should().BeOfType<LeaseRefused>("the frozen holder's request may still run until its deadline")
            .Which.Reason.Should().Be(LeaseRefusalReason.AtCapacity);
        _clock.Advance(TimeSpan.FromMilliseconds(2));
        next.TryAcquire(Strict, Acquire()).Should().BeOfType<LeaseAcquired>("no lease of the frozen holder outlives its deadline");
    }

    [Fact]
    public void A_silent_holder_whose_leases_all_ended_before_the_move_keeps_no_slot()
    {
        var (published, _) = FrozenHolderTookTheSlotFor30Seconds(Strict);

        var next = TakenOverAfter(TimeSpan.FromSeconds(31), published, Strict, HolderA);

        next.SlotsTaken.Should().Be(0);
        next.Snapshot().InFlightByHolder.Should().BeNull();
    }

    [Fact]
    public void A_holder_that_answered_keeps_the_leases_it_stated_to_their_own_deadlines()
    {
        var both = Strict with { MaxInFlight = 2 };
        var previous = NewLedger();
        previous.TryAcquire(both, Acquire(TimeSpan.FromSeconds(30), Frozen)).Should().BeOfType<LeaseAcquired>();
        var stated = previous.TryAcquire(both, Acquire()).Should().BeOfType<LeaseAcquired>().Which; // HolderA's, for 10 min
        var published = previous.Snapshot();

        _clock.Advance(TimeSpan.FromSeconds(5));
        var next = NewLedger();
        next.ApplyDefinition(both);
        next.Renew(new RenewLeases("e1", HolderA, 1, [new HeldLease(stated.LeaseId, stated.ExpiresAt, 0, published.TakenAt)]),
            both, serving: false, countGrants: true).Should().BeEmpty();
        next.TakeOver(published, new HashSet<string> { HolderA }, LongestLease);
        next.TryAcquire(both, Acquire()).Should().BeOfType<LeaseRefused>();

        _clock.Advance(TimeSpan.FromSeconds(26)); // past the frozen holder's deadline, long before HolderA's
        next.TryAcquire(both, Acquire()).Should().BeOfType<LeaseAcquired>("the frozen holder's slot ended with its lease");
        next.TryAcquire(both, Acquire()).Should().BeOfType<LeaseRefused>("the lease HolderA stated still runs");
        next.Snapshot().LatestDeadlineByHolder.Should().ContainKey(HolderA).WhoseValue.Should().Be(_clock.GetUtcNow() + LongestLease,
            "HolderA's latest deadline is now the lease just granted");
    }

    [Fact]
    public void A_snapshot_without_deadlines_from_an_older_node_keeps_a_silent_holders_slots_a_whole_lease_duration()
    {
        var (published, deadline) = FrozenHolderTookTheSlotFor30Seconds(Strict);
        var fromOlderNode = published with { LatestDeadlineByHolder = null };

        var next = TakenOverAfter(TimeSpan.FromSeconds(5), fromOlderNode, Strict, HolderA);
        var movedAt = _clock.GetUtcNow();

        _clock.Advance(deadline - movedAt + TimeSpan.FromSeconds(1));
        next.TryAcquire(Strict, Acquire()).Should().BeOfType<LeaseRefused>("nothing says when the frozen holder's leases end");
        _clock.Advance(movedAt + LongestLease - _clock.GetUtcNow());
        next.TryAcquire(Strict, Acquire()).Should().BeOfType<LeaseAcquired>("no lease lives longer than that");
    }

    [Fact]
    public void A_silent_holders_lease_asked_for_longer_than_the_longest_lease_keeps_its_slot_to_its_own_deadline()
    {
        // RouterClient callers may ask a lease longer than the gateway's requests get (RouteRequest.LeaseDuration).
        var previous = NewLedger();
        var lease = previous.TryAcquire(Strict, Acquire(LongestLease * 2, Frozen)).Should().BeOfType<LeaseAcquired>().Which;

        var next = TakenOverAfter(TimeSpan.FromSeconds(5), previous.Snapshot(), Strict, HolderA);

        _clock.Advance(LongestLease + TimeSpan.FromSeconds(1));
        next.TryAcquire(Strict, Acquire()).Should().BeOfType<LeaseRefused>("the frozen holder's request may run until its own deadline");
        _clock.Advance(lease.ExpiresAt - _clock.GetUtcNow());
        next.TryAcquire(Strict, Acquire()).Should().BeOfType<LeaseAcquired>();
    }

    [Fact]
    public void A_successor_numbered_behind_its_predecessor_takes_the_next_incarnation()
    {
        // The predecessor ran on a node whose clock is an hour ahead: caches keep the larger incarnation.
        var (published, _) = FrozenHolderTookTheSlotFor30Seconds(Strict);
        var ahead = published with { Incarnation = published.Incarnation + TimeSpan.FromHours(1).Ticks };

        _clock.Advance(TimeSpan.FromSeconds(5));
        var next = NewLedger();
        next.ApplyDefinition(Strict);
        next.Succeed(ahead.Incarnation);
        next.TakeOver(ahead, new HashSet<string> { HolderA }, LongestLease);

        next.Incarnation.Should().Be(ahead.Incarnation + 1);
        next.Snapshot().Supersedes(ahead).Should().BeTrue("every cache must take the successor's snapshots over the predecessor's");
        next.TryAcquire(Strict, Acquire()).Should().BeOfType<LeaseRefused>("the frozen holder's slot was taken over")
            .Which.Reason.Should().Be(LeaseRefusalReason.AtCapacity);
    }
}
