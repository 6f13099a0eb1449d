using Microsoft.Extensions.Time.Testing;
using Router.Actors.Endpoints;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Endpoints;

/// <summary>The provider's own x-ratelimit-* figures, as the endpoint's ledger keeps and acts on them.</summary>
public class ProviderLimitsTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private static readonly EndpointSettings Settings = new() { FailureThreshold = 3, Cooldown = TimeSpan.FromSeconds(30), LatencyWindowSize = 10 };
    private static readonly EndpointDefinition Endpoint = new("e1", "g", "http://localhost:1");
    private int _leaseCounter;

    private AcquireLease Acquire() => new("e1", $"lease-{++_leaseCounter}", TimeSpan.FromMinutes(1));

    private static ReportOutcome Success(string leaseId, ProviderRateLimits provider) =>
        new("e1", leaseId, OutcomeKind.Success, 10, Provider: provider);

    [Fact]
    public void Zero_remaining_requests_refuses_leases_until_the_providers_reset()
    {
        var ledger = new EndpointLedger("e1", Settings, _clock);
        var lease = (LeaseAcquired)ledger.TryAcquire(Endpoint, Acquire());
        ledger.Release(Success(lease.LeaseId, new ProviderRateLimits(RemainingRequests: 0, ResetRequests: TimeSpan.FromSeconds(6))));

        var refused = ledger.TryAcquire(Endpoint, Acquire()).Should().BeOfType<LeaseRefused>().Subject;
        refused.Reason.Should().Be(LeaseRefusalReason.ProviderExhausted);
        refused.RetryAfter.Should().Be(TimeSpan.FromSeconds(6));

        _clock.Advance(TimeSpan.FromSeconds(5.9));
        ledger.TryAcquire(Endpoint, Acquire()).Should().BeOfType<LeaseRefused>();
        _clock.Advance(TimeSpan.FromSeconds(0.1));
        ledger.TryAcquire(Endpoint, Acquire()).Should().BeOfType<LeaseAcquired>();
    }

    [Fact]
    public void Zero_remaining_tokens_refuses_too_and_the_later_reset_wins()
    {
        var ledger = new EndpointLedger("e1", Settings, _clock);
        var lease = (LeaseAcquired)ledger.TryAcquire(Endpoint, Acquire());
        ledger.Release(Success(lease.LeaseId, new ProviderRateLimits(RemainingRequests: 0, RemainingTokens: 0,
            ResetRequests: TimeSpan.FromSeconds(1), ResetTokens: TimeSpan.FromSeconds(20))));

        ledger.TryAcquire(Endpoint, Acquire()).Should().BeOfType<LeaseRefused>().Which.RetryAfter.Should().Be(TimeSpan.FromSeconds(20));
        _clock.Advance(TimeSpan.FromSeconds(19));
        ledger.TryAcquire(Endpoint, Acquire()).Should().BeOfType<LeaseRefused>().Which.Reason.Should().Be(LeaseRefusalReason.ProviderExhausted);
        _clock.Advance(TimeSpan.FromSeconds(1));
        ledger.TryAcquire(Endpoint, Acquire()).Should().BeOfType<LeaseAcquired>();
    }

    [Fact]
    public void A_late_report_of_an_earlier_response_does_not_lift_the_exhaustion()
    {
        var ledger = new EndpointLedger("e1", Settings, _clock);
        var first = (LeaseAcquired)ledger.TryAcquire(Endpoint, Acquire());
        var second = (LeaseAcquired)ledger.TryAcquire(Endpoint, Acquire());
        ledger.Release(Success(second.LeaseId, new ProviderRateLimits(RemainingRequests: 0, ResetRequests: TimeSpan.FromSeconds(10))));
        ledger.Release(Success(first.LeaseId, new ProviderRateLimits(RemainingRequests: 1, ResetRequests: TimeSpan.FromSeconds(10))));

        ledger.TryAcquire(Endpoint, Acquire()).Should().BeOfType<LeaseRefused>().Which.Reason.Should().Be(LeaseRefusalReason.ProviderExhausted);
    }

    [Fact]
    public void A_failed_or_unknown_lease_report_still_teaches_the_figures()
    {
        var ledger = new EndpointLedger("e1", Settings, _clock);
        // A 429 whose lease this incarnation never knew (its shard moved): the provider's word still counts.
        ledger.Release(new ReportOutcome("e1", "unknown", OutcomeKind.ClientError,
            Provider: new ProviderRateLimits(RemainingTokens: 0, ResetTokens: TimeSpan.FromMilliseconds(500))));

        ledger.TryAcquire(Endpoint, Acquire()).Should().BeOfType<LeaseRefused>().Which.Reason.Should().Be(LeaseRefusalReason.ProviderExhausted);
    }

    [Fact]
    public void Remaining_figures_are_in_the_snapshot_until_their_reset()
    {
        var ledger = new EndpointLedger("e1", Settings, _clock);
        var lease = (LeaseAcquired)ledger.TryAcquire(Endpoint, Acquire());
        ledger.Release(Success(lease.LeaseId, new ProviderRateLimits(7, 9000, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), 10, 10_000)));

        var snapshot = ledger.Snapshot();
        snapshot.ProviderRemainingRequests.Should().Be(7);
        snapshot.ProviderRemainingTokens.Should().Be(9000);
        snapshot.ProviderLimitRequests.Should().Be(10);
        snapshot.ProviderLimitTokens.Should().Be(10_000);
        ledger.TryAcquire(Endpoint, Acquire()).Should().BeOfType<LeaseAcquired>("7 requests remain");

        _clock.Advance(TimeSpan.FromSeconds(3));
        snapshot = ledger.Snapshot();
        snapshot.ProviderRemainingRequests.Should().BeNull("the request window has reset");
        snapshot.ProviderRemainingTokens.Should().Be(9000);
    }

    [Fact]
    public void Without_provider_headers_nothing_changes()
    {
        var ledger = new EndpointLedger("e1", Settings, _clock);
        var lease = (LeaseAcquired)ledger.TryAcquire(Endpoint, Acquire());
        ledger.Release(new ReportOutcome("e1", lease.LeaseId, OutcomeKind.Success, 10));

        var snapshot = ledger.Snapshot();
        snapshot.ProviderRemainingRequests.Should().BeNull();
        snapshot.ProviderLimitRequests.Should().BeNull();
        ledger.TryAcquire(Endpoint, Acquire()).Should().BeOfType<LeaseAcquired>();
    }
}
