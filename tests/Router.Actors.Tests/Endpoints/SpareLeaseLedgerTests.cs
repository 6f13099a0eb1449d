using Microsoft.Extensions.Time.Testing;
using Router.Actors.Endpoints;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Endpoints;

/// <summary>The endpoint's side of spare leases: lent slots count against the cap, each use counts as a request, and
/// lending stops in the upper half of the cap, where holders are asked to give theirs back.</summary>
public class SpareLeaseLedgerTests
{
    private const string Holder = "akka.tcp://llm-router@10.0.0.2:4053#7";
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private static readonly EndpointDefinition Capped = new("e1", "g", "http://localhost:1") { MaxInFlight = 10 };
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(6);
    private int _leaseCounter;

    private EndpointLedger NewLedger() => new("e1", new EndpointSettings(), _clock);

    private AcquireLease Acquire() => new("e1", $"lease-{++_leaseCounter}", TimeSpan.FromMinutes(1), 0, "other");

    private static AcquireLease Use(string spare, int tokens = 0) => new("e1", spare, TimeSpan.FromMinutes(1), tokens, Holder);

    private static ReportOutcome End(string spare, bool keep = true, OutcomeKind kind = OutcomeKind.Success) =>
        new("e1", spare, kind, 20, KeepAsSpare: keep);

    [Fact]
    public void Lends_only_in_the_lower_half_of_the_cap_and_lent_slots_count_against_it()
    {
        var ledger = NewLedger();
        ledger.Lend(Holder, 8, Capped, Lifetime, out _).Should().HaveCount(5, "half of a cap of 10");
        ledger.Lend(Holder, 2, Capped, Lifetime, out _).Should().BeEmpty("the lower half is lent out");
        ledger.Snapshot().InFlight.Should().Be(0, "idle spares run nothing");
        ledger.SlotsTaken.Should().Be(5);

        for (var i = 0; i < 5; i++) ledger.TryAcquire(Capped, Acquire()).Should().BeOfType<LeaseAcquired>();
        ledger.TryAcquire(Capped, Acquire()).Should().BeOfType<LeaseRefused>()
            .Which.Reason.Should().Be(LeaseRefusalReason.AtCapacity, "5 lent and 5 granted fill a cap of 10");
    }

    [Fact]
    public void Lends_nothing_where_the_endpoint_has_more_to_decide_than_a_count()
    {
        NewLedger().Lend(Holder, 2, Capped with { Fencing = LeaseFencing.Strict }, Lifetime, out _).Should().BeEmpty("a strict slot is replicated before it is granted");
        NewLedger().Lend(Holder, 2, Capped with { Drained = true }, Lifetime, out _).Should().BeEmpty("a drained endpoint takes no new requests");
        NewLedger().Lend(Holder, 2, Capped with { Rpm = 100, Tpm = 1000 }, Lifetime, out _).Should().HaveCount(2,
            "a rate limit is decided on lent budget apart from slots");
        NewLedger().Lend(Holder, 2, Capped with { MaxInFlight = null }, Lifetime, out _).Should().BeEmpty("nothing to lend without a cap");
    }

    [Fact]
    public void Each_use_of_a_spare_counts_a_request_and_its_end_keeps_the_slot_lent()
    {
        var ledger = NewLedger();
        var spare = ledger.Lend(Holder, 1, Capped, Lifetime, out _).Single();

        for (var use = 1; use <= 3; use++)
        {
            ledger.CountGrantedElsewhere(Use(spare));
            ledger.Snapshot().InFlight.Should().Be(1);
            ledger.Release(End(spare)).Should().BeTrue();
            ledger.Snapshot().Should().Match<EndpointSnapshot>(s => s.InFlight == 0 && s.TotalRequests == use);
            ledger.SlotsTaken.Should().Be(1, "the spare stays lent");
        }
    }

    [Fact]
    public void A_spare_reused_within_one_batch_counts_both_uses_though_grants_come_first()
    {
        var ledger = NewLedger();
        var spare = ledger.Lend(Holder, 1, Capped, Lifetime, out _).Single();
        ledger.CountGrantedElsewhere(Use(spare));

        // One batch: the second use's grant is applied before the first use's release.
        ledger.CountGrantedElsewhere(Use(spare));
        ledger.Release(End(spare));
        ledger.Snapshot().Should().Match<EndpointSnapshot>(s => s.InFlight == 1 && s.TotalRequests == 2, "the second use still runs");

        ledger.Release(End(spare));
        ledger.Snapshot().InFlight.Should().Be(0);
    }

    [Fact]
    public void A_spare_returned_or_released_without_keeping_frees_its_slot()
    {
        var ledger = NewLedger();
        var spares = ledger.Lend(Holder, 2, Capped, Lifetime, out _);
        ledger.CountGrantedElsewhere(Use(spares[0]));
        ledger.Release(End(spares[0], keep: false)).Should().BeTrue("a recalled spare ends with its request");
        ledger.ReturnSpares([spares[1]]);
        ledger.SlotsTaken.Should().Be(0);
        ledger.CountGrantedElsewhere(Use(spares[1]));
        ledger.Snapshot().InFlight.Should().Be(0, "a use of a spare already given back is not a slot any more");
    }

    [Fact]
    public void When_another_caller_wants_a_slot_in_the_upper_half_of_the_cap_the_holders_of_spares_are_asked_for_them_back()
    {
        var ledger = NewLedger();
        ledger.Lend(Holder, 2, Capped, Lifetime, out _);
        ledger.HoldersToRecall(Capped, "other").Should().BeEmpty("2 of 10 taken");
        for (var i = 0; i < 3; i++) ledger.TryAcquire(Capped, Acquire());
        ledger.HoldersToRecall(Capped, "other").Should().BeEquivalentTo([Holder]);
        ledger.HoldersToRecall(Capped, Holder).Should().BeEmpty("a holder asking past its own spares has them all in use");
        NewLedger().HoldersToRecall(Capped with { Drained = true }, "other").Should().BeEmpty("nothing lent");
        ledger.HoldersToRecall(Capped with { Drained = true }, "other").Should().BeEquivalentTo([Holder], "a drained endpoint lends nothing");
    }

    [Fact]
    public void A_new_incarnation_adopts_a_holders_spares_as_lent_slots()
    {
        var ledger = NewLedger();
        var statement = new RenewLeases("e1", Holder, 1,
            [new HeldLease("spare-1", _clock.GetUtcNow() + Lifetime, 0, _clock.GetUtcNow(), Spare: true)]);
        ledger.Renew(statement, Capped, serving: false, countGrants: false).Should().BeEmpty();
        ledger.SlotsTaken.Should().Be(1);
        ledger.Snapshot().InFlight.Should().Be(0);

        ledger.CountGrantedElsewhere(Use("spare-1"));
        ledger.Release(End("spare-1"));
        ledger.Snapshot().Should().Match<EndpointSnapshot>(s => s.InFlight == 0 && s.TotalRequests == 1);
        ledger.SlotsTaken.Should().Be(1, "still lent after its use");
    }

    [Fact]
    public void A_spare_not_renewed_is_reclaimed_like_any_lease()
    {
        var ledger = NewLedger();
        ledger.Lend(Holder, 2, Capped, Lifetime, out _);
        _clock.Advance(new EndpointSettings().LeaseTtl + TimeSpan.FromSeconds(1));
        ledger.ReclaimExpired(_clock.GetUtcNow(), LeaseFencing.Available).Should().Be(2);
        ledger.SlotsTaken.Should().Be(0);
    }

    [Fact]
    public void A_use_of_a_spare_this_incarnation_never_lent_is_refused_when_it_would_exceed_the_cap()
    {
        var ledger = NewLedger();
        var definition = Capped with { MaxInFlight = 2 };
        ledger.TryAcquire(definition, Acquire());
        ledger.CountGrantedElsewhere(Use("lent-by-the-one-before"), definition).Should().BeTrue("room for it: adopted");
        ledger.CountGrantedElsewhere(Use("another-one"), definition).Should().BeFalse("its holder must stop it");
        ledger.Snapshot().InFlight.Should().Be(2);
    }
}
