using Microsoft.Extensions.Time.Testing;
using Router.Actors.Endpoints;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Endpoints;

/// <summary>The endpoint's side of lent rpm/tpm budget: lent requests and tokens count as used from the moment they are
/// lent, each use moves to its own second, what is left comes back when given back or expired, and an rpm or tpm limit
/// is never exceeded whoever grants.</summary>
public class RateAllowanceLedgerTests
{
    private const string Holder = "akka.tcp://llm-router@10.0.0.2:4053#7";
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private static readonly EndpointDefinition Limited = new("e1", "g", "http://localhost:1") { Rpm = 20, Tpm = 10_000 };
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(2);
    private int _leaseCounter;

    private EndpointLedger NewLedger() => new("e1", new EndpointSettings(), _clock);

    private AcquireLease Acquire(int tokens = 0) => new("e1", $"lease-{++_leaseCounter}", TimeSpan.FromMinutes(1), tokens, "other");

    private AcquireLease Use(RateAllowance lot, int tokens = 100) =>
        new("e1", $"lease-{++_leaseCounter}", TimeSpan.FromMinutes(1), tokens, Holder, AllowanceLot: lot.LotId);

    [Fact]
    public void Lends_only_below_half_of_each_limit_and_lent_budget_counts_as_used()
    {
        var ledger = NewLedger();
        var lot = ledger.LendAllowance(30, 30 * 100, Limited, Lifetime);
        lot.Should().NotBeNull();
        lot!.Requests.Should().Be(10, "half of 20 rpm");
        lot.Tokens.Should().Be(3_000, "the tokens asked for, under half of 10,000 tpm");
        ledger.LendAllowance(4, 400, Limited, Lifetime).Should().BeNull("the lower half of the rpm budget is lent out");
        ledger.Snapshot().RequestsLastMinute.Should().Be(10);
        ledger.Snapshot().TokensLastMinute.Should().Be(3_000);

        for (var i = 0; i < 10; i++) ledger.TryAcquire(Limited, Acquire()).Should().BeOfType<LeaseAcquired>();
        ledger.TryAcquire(Limited, Acquire()).Should().BeOfType<LeaseRefused>()
            .Which.Reason.Should().Be(LeaseRefusalReason.RateLimited, "10 lent and 10 granted make 20 rpm");
    }

    [Fact]
    public void Lends_nothing_without_a_rate_limit_or_where_the_endpoint_has_more_to_decide()
    {
        NewLedger().LendAllowance(4, 0, Limited with { Rpm = null, Tpm = null }, Lifetime).Should().BeNull("nothing to lend without a limit");
        NewLedger().LendAllowance(4, 0, Limited with { Fencing = LeaseFencing.Strict }, Lifetime).Should().BeNull();
        NewLedger().LendAllowance(4, 0, Limited with { Drained = true }, Lifetime).Should().BeNull();
        NewLedger().LendAllowance(4, 400, Limited with { Tpm = 500 }, Lifetime).Should().NotBeNull()
            .And.Subject.As<RateAllowance>().Tokens.Should().Be(250, "at most half the tpm budget");
    }

    [Fact]
    public void A_use_moves_its_request_and_tokens_to_the_second_it_was_used_so_it_leaves_the_minute_no_sooner()
    {
        var ledger = NewLedger();
        var lot = ledger.LendAllowance(4, 400, Limited, Lifetime)!;
        _clock.Advance(TimeSpan.FromSeconds(1.5));
        ledger.CountGrantedElsewhere(Use(lot, 100), Limited).Should().BeTrue();
        ledger.Snapshot().RequestsLastMinute.Should().Be(4, "a use draws on what was lent, it is not counted twice");
        ledger.Snapshot().TokensLastMinute.Should().Be(400);

        ledger.ReturnAllowances([lot.LotId]);
        ledger.Snapshot().RequestsLastMinute.Should().Be(1, "the three unused requests are given back");
        ledger.Snapshot().TokensLastMinute.Should().Be(100);

        _clock.Advance(TimeSpan.FromSeconds(59));
        ledger.Snapshot().RequestsLastMinute.Should().Be(1, "60.5 s after the lot was lent, but 59 s after its use");
        _clock.Advance(TimeSpan.FromSeconds(1));
        ledger.Snapshot().RequestsLastMinute.Should().Be(0);
    }

    [Fact]
    public void Budget_left_unused_past_its_expiry_is_taken_back_and_a_late_or_unknown_use_counts_as_a_request()
    {
        var ledger = NewLedger();
        var lot = ledger.LendAllowance(6, 600, Limited, Lifetime)!;
        ledger.CountGrantedElsewhere(Use(lot), Limited);
        ledger.EndExpiredAllowances(TimeSpan.FromSeconds(3)).Should().Be(0, "not expired yet");
        ledger.HasLentAllowance.Should().BeTrue();

        _clock.Advance(Lifetime + TimeSpan.FromSeconds(3));
        ledger.EndExpiredAllowances(TimeSpan.FromSeconds(3)).Should().Be(1);
        ledger.HasLentAllowance.Should().BeFalse();
        ledger.Snapshot().RequestsLastMinute.Should().Be(1, "the one use stays, the five unused are taken back");

        ledger.CountGrantedElsewhere(Use(lot), Limited);
        ledger.CountGrantedElsewhere(Use(new RateAllowance("from-an-earlier-incarnation", 1, 1, _clock.GetUtcNow())), Limited);
        ledger.Snapshot().RequestsLastMinute.Should().Be(3, "a use of a lot this endpoint no longer knows is still a request");
        ledger.ReturnAllowances([lot.LotId]);
        ledger.Snapshot().RequestsLastMinute.Should().Be(3, "a lot given back twice refunds nothing more");
    }

    [Fact]
    public void After_a_shard_move_lent_budget_stays_counted_and_a_use_of_a_lot_the_new_incarnation_never_lent_is_a_request()
    {
        var previous = NewLedger();
        var lot = previous.LendAllowance(8, 800, Limited, Lifetime)!;
        previous.CountGrantedElsewhere(Use(lot), Limited);
        var published = previous.Snapshot();
        _clock.Advance(TimeSpan.FromMilliseconds(10));

        var successor = NewLedger();
        successor.TakeOver(published, new HashSet<string>(), TimeSpan.FromMinutes(1));
        successor.Snapshot().RequestsLastMinute.Should().Be(8, "the lot stays counted in full: more than was used, never less");
        successor.CountGrantedElsewhere(Use(lot), Limited);
        var granted = 0;
        while (successor.TryAcquire(Limited, Acquire()) is LeaseAcquired) granted++;
        granted.Should().Be(20 - 9, "the holder's late use counts, and the limit holds with it");
    }

    [Fact]
    public void Lent_budget_and_grants_together_never_pass_the_rpm_limit_whatever_the_order()
    {
        var ledger = NewLedger();
        var granted = 0;
        var lots = new List<RateAllowance>();
        for (var round = 0; round < 20; round++)
        {
            if (ledger.LendAllowance(3, 300, Limited, Lifetime) is { } lot) lots.Add(lot);
            if (ledger.TryAcquire(Limited, Acquire(100)) is LeaseAcquired) granted++;
        }
        foreach (var lot in lots)
            for (var i = 0; i < lot.Requests; i++)
            {
                ledger.CountGrantedElsewhere(Use(lot), Limited);
                granted++;
            }
        granted.Should().Be(20, "every request the limit allows is granted, lent or asked");
        ledger.Snapshot().RequestsLastMinute.Should().Be(20);
        ledger.TryAcquire(Limited, Acquire()).Should().BeOfType<LeaseRefused>();
    }
}
