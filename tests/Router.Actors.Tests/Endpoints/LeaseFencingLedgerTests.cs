using Microsoft.Extensions.Time.Testing;
using Router.Actors.Endpoints;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Endpoints;

/// <summary>The endpoint's side of fencing, hand-off and the breaker rules, on the ledger with a fake clock.</summary>
public class LeaseFencingLedgerTests
{
    private const string HolderA = "akka.tcp://llm-router@10.0.0.5:4053#111";
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private static readonly EndpointSettings Settings = new()
    {
        FailureThreshold = 1, Cooldown = TimeSpan.FromSeconds(30), LeaseTtl = TimeSpan.FromSeconds(10), MaxRetryAfter = TimeSpan.FromMinutes(5),
    };
    private static readonly EndpointDefinition Available = new("e1", "g", "http://localhost:1", MaxInFlight: 1);
    private static readonly EndpointDefinition Strict = Available with { Fencing = LeaseFencing.Strict };
    private int _leaseCounter;

    private EndpointLedger NewLedger() => new("e1", Settings, _clock);

    private AcquireLease Acquire(int tokens = 0, string holder = HolderA) =>
        new("e1", $"lease-{++_leaseCounter}", TimeSpan.FromMinutes(10), tokens, holder);

    private RenewLeases Statement(long round, params HeldLease[] held) => new("e1", HolderA, round, held);

    private HeldLease Held(string id, int tokens = 0) => new(id, _clock.GetUtcNow().AddMinutes(5), tokens, _clock.GetUtcNow());

    [Fact]
    public void Available_fencing_reclaims_a_lease_its_holder_stopped_renewing_after_the_ttl()
    {
        var ledger = NewLedger();
        var lease = (LeaseAcquired)ledger.TryAcquire(Available, Acquire());
        _clock.Advance(TimeSpan.FromSeconds(6));
        ledger.Renew(Statement(1, Held(lease.LeaseId)), Available, serving: true, countGrants: false).Should().BeEmpty();

        _clock.Advance(TimeSpan.FromSeconds(9)); // 15 s after the grant, 9 s after the renewal
        ledger.TryAcquire(Available, Acquire()).Should().BeOfType<LeaseRefused>("a renewed lease still holds the only slot");

        _clock.Advance(TimeSpan.FromSeconds(1));
        ledger.TryAcquire(Available, Acquire()).Should().BeOfType<LeaseAcquired>("the holder went silent for the whole TTL");
        ledger.ReclaimedUnrenewed.Should().Be(1);
    }

    [Fact]
    public void An_unreachable_holder_keeps_its_lease_past_the_ttl_until_it_is_downed_or_twice_the_ttl_passed()
    {
        var undecided = true;
        var ledger = new EndpointLedger("e1", Settings, _clock) { IsUndecided = holder => holder == HolderA && undecided };
        ledger.TryAcquire(Available, Acquire()).Should().BeOfType<LeaseAcquired>();

        _clock.Advance(TimeSpan.FromSeconds(12));
        ledger.TryAcquire(Available, Acquire()).Should().BeOfType<LeaseRefused>(
            "a holder that cannot be heard but is not downed may still be in the majority, running its request");
        undecided = false; // the resolver downed it
        ledger.TryAcquire(Available, Acquire()).Should().BeOfType<LeaseAcquired>();

        undecided = true;
        _clock.Advance(TimeSpan.FromSeconds(19));
        ledger.ReclaimExpired(_clock.GetUtcNow(), LeaseFencing.Available).Should().Be(0);
        _clock.Advance(TimeSpan.FromSeconds(1));
        ledger.ReclaimExpired(_clock.GetUtcNow(), LeaseFencing.Available).Should().Be(1, "no decision within twice the TTL: reclaimed anyway");
    }

    [Fact]
    public void A_pause_of_the_endpoint_itself_is_not_held_against_its_holders()
    {
        var ledger = NewLedger();
        ledger.TryAcquire(Available, Acquire()).Should().BeOfType<LeaseAcquired>();
        var frozenAt = _clock.GetUtcNow().AddSeconds(1);
        _clock.Advance(TimeSpan.FromSeconds(16)); // the endpoint's node was frozen from +1 s to +16 s

        ledger.CreditPause(frozenAt, _clock.GetUtcNow()).Should().Be(1);
        ledger.TryAcquire(Available, Acquire()).Should().BeOfType<LeaseRefused>("the holder's renewals from the pause are still queued");
        _clock.Advance(TimeSpan.FromSeconds(9));
        ledger.TryAcquire(Available, Acquire()).Should().BeOfType<LeaseAcquired>("silent for a whole TTL of running time");
    }

    [Fact]
    public void Strict_fencing_keeps_an_unrenewed_lease_until_its_deadline_or_until_its_holder_restarted()
    {
        var ledger = NewLedger();
        ledger.TryAcquire(Strict, Acquire()).Should().BeOfType<LeaseAcquired>();
        _clock.Advance(TimeSpan.FromMinutes(5)); // a frozen holder is silent far longer than the TTL
        ledger.TryAcquire(Strict, Acquire()).Should().BeOfType<LeaseRefused>();

        ledger.DropReplacedHolder("akka.tcp://llm-router@10.0.0.5:4053", "akka.tcp://llm-router@10.0.0.5:4053#111").Should().Be(0,
            "the same incarnation is not proof of anything");
        ledger.DropReplacedHolder("akka.tcp://llm-router@10.0.0.5:4053", "akka.tcp://llm-router@10.0.0.5:4053#222").Should().Be(1);
        ledger.TryAcquire(Strict, Acquire()).Should().BeOfType<LeaseAcquired>();

        _clock.Advance(TimeSpan.FromMinutes(10));
        ledger.ReclaimExpired(_clock.GetUtcNow(), LeaseFencing.Strict).Should().Be(1, "the deadline ends a strict lease too");
    }

    [Fact]
    public void A_new_incarnation_adopts_what_holders_state_and_tells_them_to_stop_what_it_cannot_count()
    {
        var ledger = NewLedger();
        // Collecting: everything stated is adopted, so the count starts from the truth.
        ledger.Renew(Statement(1, Held("old-1")), Available, serving: false, countGrants: false).Should().BeEmpty();
        ledger.InFlight.Should().Be(1);
        ledger.TryAcquire(Available, Acquire()).Should().BeOfType<LeaseRefused>();

        // Serving and full: a late statement of another lease would exceed the cap, so its request must stop.
        ledger.Renew(Statement(2, Held("old-1"), Held("late-2")), Available, serving: true, countGrants: false)
            .Should().Equal("late-2");
        ledger.InFlight.Should().Be(1);

        // Released here: a renewal of it must not bring it back.
        ledger.Release(new ReportOutcome("e1", "old-1", OutcomeKind.Success, 10));
        ledger.Renew(Statement(3, Held("old-1")), Available, serving: true, countGrants: false).Should().Equal("old-1");
        ledger.InFlight.Should().Be(0);
    }

    [Fact]
    public void A_statement_repeats_releases_that_may_have_been_lost()
    {
        var ledger = NewLedger();
        var lease = (LeaseAcquired)ledger.TryAcquire(Strict, Acquire());
        ledger.Renew(new RenewLeases("e1", HolderA, 1, [], [lease.LeaseId]), Strict, serving: true, countGrants: false);
        ledger.InFlight.Should().Be(0);
        ledger.TryAcquire(Strict, Acquire()).Should().BeOfType<LeaseAcquired>();
    }

    [Fact]
    public void Rpm_and_tpm_windows_are_rebuilt_from_the_grants_holders_report_and_the_last_snapshot()
    {
        var previous = NewLedger();
        var definition = Available with { MaxInFlight = null, Rpm = 5, Tpm = 10_000 };
        for (var i = 0; i < 4; i++)
        {
            var lease = (LeaseAcquired)previous.TryAcquire(definition, Acquire(tokens: 1000));
            previous.Release(new ReportOutcome("e1", lease.LeaseId, OutcomeKind.Success, 5, null, 1000, 1000));
        }
        var lastPublished = previous.Snapshot();
        lastPublished.RequestsLastMinute.Should().Be(4);
        lastPublished.TokensLastMinute.Should().Be(8000);

        _clock.Advance(TimeSpan.FromSeconds(20));
        var next = NewLedger();
        // One surviving holder reports 3 of those grants; the 4th was its dead node's own.
        var grants = new[] { new GrantBucket(lastPublished.TakenAt, 3, 6000) };
        next.Renew(new RenewLeases("e1", HolderA, 1, [], null, grants), definition, serving: false, countGrants: true);
        next.TakeOver(lastPublished, new HashSet<string> { HolderA }, TimeSpan.FromMinutes(10));

        var snapshot = next.Snapshot();
        snapshot.RequestsLastMinute.Should().Be(4);
        snapshot.TokensLastMinute.Should().Be(8000);
        next.TryAcquire(definition, Acquire(tokens: 1000)).Should().BeOfType<LeaseAcquired>();
        next.TryAcquire(definition, Acquire(tokens: 10)).Should().BeOfType<LeaseRefused>()
            .Which.Reason.Should().Be(LeaseRefusalReason.RateLimited, "5 rpm held across the move");

        _clock.Advance(TimeSpan.FromSeconds(41)); // the moved grants leave the window when they really would
        next.Snapshot().RequestsLastMinute.Should().Be(1);
    }

    [Fact]
    public void The_tpm_correction_lands_in_the_second_of_the_grant_so_a_long_request_cannot_drive_the_window_negative()
    {
        var ledger = NewLedger();
        var definition = Available with { MaxInFlight = null, Tpm = 10_000 };
        var longRequest = (LeaseAcquired)ledger.TryAcquire(definition, Acquire(tokens: 9000));
        _clock.Advance(TimeSpan.FromSeconds(61)); // the grant's second has left the window
        ledger.Renew(Statement(1, Held(longRequest.LeaseId)), definition, serving: true, countGrants: false);
        ledger.Release(new ReportOutcome("e1", longRequest.LeaseId, OutcomeKind.Success, 61_000, null, 100, 100));

        // Landing in the current second instead, the correction (200 - 9000) would let ~19,000 tokens through.
        ledger.TryAcquire(definition, Acquire(tokens: 9000)).Should().BeOfType<LeaseAcquired>();
        ledger.TryAcquire(definition, Acquire(tokens: 9000)).Should().BeOfType<LeaseRefused>()
            .Which.Reason.Should().Be(LeaseRefusalReason.TokenLimited);
    }

    [Fact]
    public void Only_the_probe_decides_a_half_open_breaker_and_outcomes_of_leases_not_held_move_nothing()
    {
        var ledger = NewLedger();
        var definition = Available with { MaxInFlight = null };
        var early = (LeaseAcquired)ledger.TryAcquire(definition, Acquire());
        var failing = (LeaseAcquired)ledger.TryAcquire(definition, Acquire());
        ledger.Release(new ReportOutcome("e1", failing.LeaseId, OutcomeKind.ServerError));
        ledger.Snapshot().Circuit.Should().Be(CircuitState.Open);

        ledger.Release(new ReportOutcome("e1", "never-granted", OutcomeKind.Success, 5));
        ledger.Snapshot().Circuit.Should().Be(CircuitState.Open, "a lease this endpoint never granted says nothing");

        _clock.Advance(TimeSpan.FromSeconds(31));
        var probe = (LeaseAcquired)ledger.TryAcquire(definition, Acquire());
        ledger.Release(new ReportOutcome("e1", early.LeaseId, OutcomeKind.Success, 5));
        ledger.Snapshot().Circuit.Should().Be(CircuitState.HalfOpen, "a request granted before the failure is not the probe");
        ledger.TryAcquire(definition, Acquire()).Should().BeOfType<LeaseRefused>().Which.Reason.Should().Be(LeaseRefusalReason.ProbeInFlight);

        ledger.Release(new ReportOutcome("e1", probe.LeaseId, OutcomeKind.Success, 5));
        ledger.Snapshot().Circuit.Should().Be(CircuitState.Closed);
    }

    [Fact]
    public void Retry_after_is_capped()
    {
        var ledger = NewLedger();
        var lease = (LeaseAcquired)ledger.TryAcquire(Available, Acquire());
        ledger.Release(new ReportOutcome("e1", lease.LeaseId, OutcomeKind.RateLimited, RetryAfter: TimeSpan.FromDays(3)));
        ledger.Snapshot().CooldownUntil.Should().Be(_clock.GetUtcNow() + Settings.MaxRetryAfter);
    }

    [Fact]
    public void A_new_incarnation_takes_the_breaker_over_so_a_move_does_not_reopen_a_cooling_endpoint()
    {
        var previous = NewLedger();
        var lease = (LeaseAcquired)previous.TryAcquire(Available, Acquire());
        previous.Release(new ReportOutcome("e1", lease.LeaseId, OutcomeKind.ServerError));
        var published = previous.Snapshot();
        published.Circuit.Should().Be(CircuitState.Open);

        _clock.Advance(TimeSpan.FromSeconds(1));
        var next = NewLedger();
        next.TakeOver(published, new HashSet<string>(), TimeSpan.FromMinutes(10));
        next.TryAcquire(Available, Acquire()).Should().BeOfType<LeaseRefused>().Which.Reason.Should().Be(LeaseRefusalReason.CoolingDown);
    }

    [Fact]
    public void A_strict_endpoint_keeps_the_slots_of_a_holder_that_cannot_answer_after_a_move_until_it_is_proven_gone()
    {
        const string Frozen = "akka.tcp://llm-router@10.0.0.7:4053#777";
        var previous = NewLedger();
        previous.TryAcquire(Strict, Acquire(holder: Frozen)).Should().BeOfType<LeaseAcquired>();
        var published = previous.Snapshot();
        published.InFlightByHolder.Should().ContainKey(Frozen).WhoseValue.Should().Be(1);

        _clock.Advance(TimeSpan.FromSeconds(15)); // the frozen holder (and maybe the old authority) was removed
        var next = NewLedger();
        next.ApplyDefinition(Strict);
        next.TakeOver(published, new HashSet<string> { HolderA }, TimeSpan.FromMinutes(10));

        next.TryAcquire(Strict, Acquire()).Should().BeOfType<LeaseRefused>("the frozen holder's request may still run upstream")
            .Which.Reason.Should().Be(LeaseRefusalReason.AtCapacity);
        next.DropReplacedHolder("akka.tcp://llm-router@10.0.0.7:4053", "akka.tcp://llm-router@10.0.0.7:4053#778").Should().Be(1);
        next.TryAcquire(Strict, Acquire()).Should().BeOfType<LeaseAcquired>();
    }

    [Fact]
    public void After_a_move_an_available_endpoint_keeps_a_silent_holders_slots_for_one_more_lease_ttl()
    {
        const string CutOff = "akka.tcp://llm-router@10.0.0.7:4053#777";
        var previous = NewLedger();
        previous.TryAcquire(Available, Acquire(holder: CutOff)).Should().BeOfType<LeaseAcquired>();
        var published = previous.Snapshot();

        _clock.Advance(TimeSpan.FromSeconds(12)); // the old authority's node and the holder were removed
        var next = NewLedger();
        next.TakeOver(published, new HashSet<string> { HolderA }, TimeSpan.FromMinutes(10));

        next.TryAcquire(Available, Acquire()).Should().BeOfType<LeaseRefused>("a cut-off holder may not have stopped yet");
        _clock.Advance(Settings.LeaseTtl);
        next.TryAcquire(Available, Acquire()).Should().BeOfType<LeaseAcquired>("by now it has aborted: it could renew nothing");
    }
}
