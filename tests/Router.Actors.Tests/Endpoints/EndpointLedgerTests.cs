using Microsoft.Extensions.Time.Testing;
using Router.Actors.Endpoints;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Endpoints;

public class EndpointLedgerTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private static readonly EndpointSettings Settings = new() { FailureThreshold = 3, Cooldown = TimeSpan.FromSeconds(30), LatencyWindowSize = 10 };
    private static readonly EndpointDefinition Endpoint = new("e1", "g", "http://localhost:1");
    private int _leaseCounter;

    private EndpointLedger NewLedger() => new("e1", Settings, _clock);

    private AcquireLease Acquire(int tokens = 0, TimeSpan? duration = null) =>
        new("e1", $"lease-{++_leaseCounter}", duration ?? TimeSpan.FromMinutes(1), tokens);

    [Fact]
    public void Grants_up_to_max_in_flight_then_refuses_until_a_lease_is_released()
    {
        var ledger = NewLedger();
        var definition = Endpoint with { MaxInFlight = 2 };
        var first = ledger.TryAcquire(definition, Acquire()).Should().BeOfType<LeaseAcquired>().Subject;
        ledger.TryAcquire(definition, Acquire()).Should().BeOfType<LeaseAcquired>();

        var refused = ledger.TryAcquire(definition, Acquire()).Should().BeOfType<LeaseRefused>().Subject;
        refused.Reason.Should().Be(LeaseRefusalReason.AtCapacity);
        refused.Snapshot.InFlight.Should().Be(2);

        ledger.Release(new ReportOutcome("e1", first.LeaseId, OutcomeKind.Success, 10)).Should().BeTrue();
        ledger.TryAcquire(definition, Acquire()).Should().BeOfType<LeaseAcquired>();
        ledger.Snapshot().PeakInFlight.Should().Be(2);
    }

    [Fact]
    public void A_lease_granted_on_the_holders_node_counts_in_flight_and_towards_the_window_once_and_teaches_the_breaker()
    {
        var ledger = NewLedger();
        var elsewhere = Acquire(tokens: 500);
        ledger.CountGrantedElsewhere(elsewhere);
        ledger.CountGrantedElsewhere(elsewhere); // told again (a renewal re-asserted it, or a resent batch): no double count
        ledger.Snapshot().Should().Match<EndpointSnapshot>(s => s.InFlight == 1 && s.RequestsLastMinute == 1 && s.TokensLastMinute == 500);

        ledger.Release(new ReportOutcome("e1", elsewhere.LeaseId, OutcomeKind.ServerError, 10)).Should().BeTrue("it was counted, so its outcome counts");
        ledger.ConsecutiveFailures.Should().Be(1);
        ledger.Snapshot().InFlight.Should().Be(0);
    }

    [Fact]
    public void A_release_that_overtook_its_grant_leaves_a_request_counted_but_nothing_in_flight()
    {
        var ledger = NewLedger();
        var elsewhere = Acquire();
        ledger.Release(new ReportOutcome("e1", elsewhere.LeaseId, OutcomeKind.Success, 10));
        ledger.CountGrantedElsewhere(elsewhere);
        ledger.Snapshot().Should().Match<EndpointSnapshot>(s => s.InFlight == 0 && s.RequestsLastMinute == 1 && s.TotalRequests == 1);
    }

    [Fact]
    public void A_conditional_acquire_is_granted_only_below_its_in_flight_bound_and_a_refusal_carries_the_exact_count()
    {
        var ledger = NewLedger();
        ledger.TryAcquire(Endpoint, Acquire()).Should().BeOfType<LeaseAcquired>();
        ledger.TryAcquire(Endpoint, Acquire() with { GrantBelowInFlight = 2 }).Should().BeOfType<LeaseAcquired>();

        var refused = ledger.TryAcquire(Endpoint, Acquire() with { GrantBelowInFlight = 2 }).Should().BeOfType<LeaseRefused>().Subject;
        refused.Reason.Should().Be(LeaseRefusalReason.BusierThanAlternative);
        refused.Snapshot.InFlight.Should().Be(2);
        refused.RetryAfter.Should().BeNull("another endpoint can take the request now");
        ledger.Snapshot().TotalRequests.Should().Be(2, "a refused conditional acquire is not a request");

        ledger.TryAcquire(Endpoint, Acquire() with { GrantBelowInFlight = 3 }).Should().BeOfType<LeaseAcquired>();
    }

    [Fact]
    public void Acquiring_the_same_lease_id_twice_counts_once()
    {
        var ledger = NewLedger();
        var request = Acquire();
        ledger.TryAcquire(Endpoint, request).Should().BeOfType<LeaseAcquired>();
        ledger.TryAcquire(Endpoint, request).Should().BeOfType<LeaseAcquired>();
        ledger.InFlight.Should().Be(1);
    }

    [Fact]
    public void Expired_leases_are_reclaimed()
    {
        var ledger = NewLedger();
        ledger.TryAcquire(Endpoint, Acquire(duration: TimeSpan.FromSeconds(5)));
        ledger.TryAcquire(Endpoint, Acquire(duration: TimeSpan.FromSeconds(50)));
        _clock.Advance(TimeSpan.FromSeconds(6));
        ledger.ReclaimExpired(_clock.GetUtcNow(), LeaseFencing.Strict).Should().Be(1);
        ledger.InFlight.Should().Be(1);
    }

    [Fact]
    public void A_short_lease_granted_after_long_ones_frees_its_slot_at_its_own_deadline()
    {
        // Reclaiming looks at the leases only from the earliest moment one could end: a lease granted later with an
        // earlier deadline must bring that moment forward, or its slot stays taken at the cap.
        var ledger = NewLedger();
        var definition = Endpoint with { MaxInFlight = 2, Fencing = LeaseFencing.Strict };
        ledger.TryAcquire(definition, Acquire(duration: TimeSpan.FromMinutes(10))).Should().BeOfType<LeaseAcquired>();
        _clock.Advance(TimeSpan.FromSeconds(1));
        ledger.TryAcquire(definition, Acquire(duration: TimeSpan.FromSeconds(2))).Should().BeOfType<LeaseAcquired>();
        ledger.TryAcquire(definition, Acquire()).Should().BeOfType<LeaseRefused>("both slots are taken");

        _clock.Advance(TimeSpan.FromSeconds(3));
        ledger.TryAcquire(definition, Acquire()).Should().BeOfType<LeaseAcquired>("the 2 s lease has ended");
        ledger.InFlight.Should().Be(2);
    }

    [Fact]
    public void An_unrenewed_lease_is_reclaimed_after_acquires_that_found_nothing_to_reclaim()
    {
        var ledger = NewLedger();
        var definition = Endpoint with { MaxInFlight = 2 };
        ledger.TryAcquire(definition, Acquire(duration: TimeSpan.FromMinutes(10))).Should().BeOfType<LeaseAcquired>();
        for (var i = 0; i < 5; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            var lease = ledger.TryAcquire(definition, Acquire(duration: TimeSpan.FromMinutes(10))).Should().BeOfType<LeaseAcquired>().Subject;
            ledger.Release(new ReportOutcome("e1", lease.LeaseId, OutcomeKind.Success, 10));
        }

        _clock.Advance(Settings.LeaseTtl);
        ledger.TryAcquire(definition, Acquire()).Should().BeOfType<LeaseAcquired>();
        ledger.TryAcquire(definition, Acquire()).Should().BeOfType<LeaseAcquired>("the first lease, never renewed, was reclaimed after the TTL");
        ledger.ReclaimedUnrenewed.Should().Be(1);
    }

    [Fact]
    public void Rpm_limit_refuses_with_the_time_until_the_oldest_request_leaves_the_minute()
    {
        var ledger = NewLedger();
        var definition = Endpoint with { Rpm = 3 };
        ledger.TryAcquire(definition, Acquire());
        _clock.Advance(TimeSpan.FromSeconds(10));
        ledger.TryAcquire(definition, Acquire());
        ledger.TryAcquire(definition, Acquire());

        var refused = ledger.TryAcquire(definition, Acquire()).Should().BeOfType<LeaseRefused>().Subject;
        refused.Reason.Should().Be(LeaseRefusalReason.RateLimited);
        refused.RetryAfter.Should().Be(TimeSpan.FromSeconds(50));

        _clock.Advance(TimeSpan.FromSeconds(50));
        ledger.TryAcquire(definition, Acquire()).Should().BeOfType<LeaseAcquired>();
    }

    [Fact]
    public void Tpm_limit_counts_estimates_then_the_tokens_the_upstream_reported()
    {
        var ledger = NewLedger();
        var definition = Endpoint with { Tpm = 1000 };
        var lease = (LeaseAcquired)ledger.TryAcquire(definition, Acquire(tokens: 600));
        ledger.TryAcquire(definition, Acquire(tokens: 600)).Should().BeOfType<LeaseRefused>()
            .Which.Reason.Should().Be(LeaseRefusalReason.TokenLimited);

        // The upstream used 300 tokens in all, not 600: the budget is corrected.
        ledger.Release(new ReportOutcome("e1", lease.LeaseId, OutcomeKind.Success, 10, null, 200, 100));
        ledger.Snapshot().TokensLastMinute.Should().Be(300);
        ledger.TryAcquire(definition, Acquire(tokens: 600)).Should().BeOfType<LeaseAcquired>();
    }

    [Fact]
    public void Consecutive_failures_open_the_breaker_then_one_probe_decides()
    {
        var ledger = NewLedger();
        for (var i = 0; i < 3; i++)
        {
            var lease = (LeaseAcquired)ledger.TryAcquire(Endpoint, Acquire());
            ledger.Release(new ReportOutcome("e1", lease.LeaseId, OutcomeKind.ServerError, 5));
        }
        var cooling = ledger.TryAcquire(Endpoint, Acquire()).Should().BeOfType<LeaseRefused>().Subject;
        cooling.Reason.Should().Be(LeaseRefusalReason.CoolingDown);
        cooling.RetryAfter.Should().Be(TimeSpan.FromSeconds(30));
        cooling.Snapshot.Circuit.Should().Be(CircuitState.Open);

        _clock.Advance(TimeSpan.FromSeconds(30));
        var probe = ledger.TryAcquire(Endpoint, Acquire()).Should().BeOfType<LeaseAcquired>().Subject;
        ledger.TryAcquire(Endpoint, Acquire()).Should().BeOfType<LeaseRefused>()
            .Which.Reason.Should().Be(LeaseRefusalReason.ProbeInFlight);

        ledger.Release(new ReportOutcome("e1", probe.LeaseId, OutcomeKind.Success, 5));
        ledger.Snapshot().Circuit.Should().Be(CircuitState.Closed);
        ledger.TryAcquire(Endpoint, Acquire()).Should().BeOfType<LeaseAcquired>();
    }

    [Fact]
    public void A_failed_probe_opens_the_breaker_again()
    {
        var ledger = NewLedger();
        for (var i = 0; i < 3; i++)
            ledger.Release(new ReportOutcome("e1", ((LeaseAcquired)ledger.TryAcquire(Endpoint, Acquire())).LeaseId, OutcomeKind.Timeout, 5));
        _clock.Advance(TimeSpan.FromSeconds(31));
        var probe = (LeaseAcquired)ledger.TryAcquire(Endpoint, Acquire());
        ledger.Release(new ReportOutcome("e1", probe.LeaseId, OutcomeKind.ConnectError));
        ledger.TryAcquire(Endpoint, Acquire()).Should().BeOfType<LeaseRefused>()
            .Which.Reason.Should().Be(LeaseRefusalReason.CoolingDown);
    }

    [Fact]
    public void A_429_with_retry_after_cools_down_for_exactly_that_long()
    {
        var ledger = NewLedger();
        var lease = (LeaseAcquired)ledger.TryAcquire(Endpoint, Acquire());
        ledger.Release(new ReportOutcome("e1", lease.LeaseId, OutcomeKind.RateLimited, 5, RetryAfter: TimeSpan.FromSeconds(7)));

        ledger.TryAcquire(Endpoint, Acquire()).Should().BeOfType<LeaseRefused>()
            .Which.RetryAfter.Should().Be(TimeSpan.FromSeconds(7));
        _clock.Advance(TimeSpan.FromSeconds(7));
        ledger.TryAcquire(Endpoint, Acquire()).Should().BeOfType<LeaseAcquired>();
    }

    [Fact]
    public void Client_errors_and_cancellations_do_not_count_against_the_endpoint()
    {
        var ledger = NewLedger();
        for (var i = 0; i < 5; i++)
        {
            var lease = (LeaseAcquired)ledger.TryAcquire(Endpoint, Acquire());
            ledger.Release(new ReportOutcome("e1", lease.LeaseId, i % 2 == 0 ? OutcomeKind.ClientError : OutcomeKind.Cancelled));
        }
        var snapshot = ledger.Snapshot();
        snapshot.Circuit.Should().Be(CircuitState.Closed);
        snapshot.ConsecutiveFailures.Should().Be(0);
        snapshot.InFlight.Should().Be(0);
    }

    [Fact]
    public void Latency_and_time_to_first_token_windows_keep_the_last_samples()
    {
        var ledger = NewLedger();
        for (var i = 1; i <= 20; i++) // window of 10 keeps 11..20
        {
            var lease = (LeaseAcquired)ledger.TryAcquire(Endpoint, Acquire());
            ledger.Release(new ReportOutcome("e1", lease.LeaseId, OutcomeKind.Success, i * 10, i));
        }
        var snapshot = ledger.Snapshot();
        snapshot.Latency.Samples.Should().Be(10);
        snapshot.Latency.MeanMs.Should().Be(155);
        snapshot.Latency.P50Ms.Should().Be(150);
        snapshot.Latency.P95Ms.Should().Be(200);
        snapshot.TimeToFirstToken.MeanMs.Should().Be(15.5);
        snapshot.LastSampleAt.Should().Be(_clock.GetUtcNow());
    }

    [Fact]
    public void Drained_endpoint_refuses_new_leases_but_releases_old_ones()
    {
        var ledger = NewLedger();
        var lease = (LeaseAcquired)ledger.TryAcquire(Endpoint, Acquire());
        var drained = Endpoint with { Drained = true };
        ledger.TryAcquire(drained, Acquire()).Should().BeOfType<LeaseRefused>()
            .Which.Reason.Should().Be(LeaseRefusalReason.Drained);
        ledger.Release(new ReportOutcome("e1", lease.LeaseId, OutcomeKind.Success, 5)).Should().BeTrue();
        ledger.Snapshot().Should().Match<EndpointSnapshot>(s => s.Drained && s.InFlight == 0);
    }

    [Fact]
    public void Unknown_endpoint_is_refused()
    {
        NewLedger().TryAcquire(null, Acquire()).Should().BeOfType<LeaseRefused>()
            .Which.Reason.Should().Be(LeaseRefusalReason.UnknownEndpoint);
    }

    [Fact]
    public void Snapshots_are_ordered_by_sequence()
    {
        var ledger = NewLedger();
        var before = ledger.Snapshot();
        ledger.TryAcquire(Endpoint, Acquire());
        var after = ledger.Snapshot();
        after.Supersedes(before).Should().BeTrue();
        before.Supersedes(after).Should().BeFalse();
    }
}
