using Microsoft.Extensions.Time.Testing;
using Router.Actors.Leasing;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Leasing;

/// <summary>The holder's side of spare leases: asks as it runs low, uses only spares its endpoint still confirms, keeps
/// them across requests, and gives back what waits unused or is recalled.</summary>
public class SpareLeasePoolTests
{
    private const string Holder = "akka.tcp://llm-router@10.0.0.2:4053#7";
    private static readonly TimeSpan Validity = TimeSpan.FromSeconds(7);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly LeaseBook _book;
    private readonly LeaseActivityOutbox _outbox = new(new());
    private readonly SpareLeasePool _pool;

    public SpareLeasePoolTests()
    {
        _book = new LeaseBook(_clock);
        _pool = new SpareLeasePool(_book, _outbox, _clock);
    }

    private DateTimeOffset Until => _clock.GetUtcNow() + TimeSpan.FromMinutes(5);

    private void Lend(params string[] ids) =>
        _pool.Receive(new SpareLeases("e1", Holder, ids, _clock.GetUtcNow() + TimeSpan.FromMinutes(5.5), _clock.GetTimestamp()));

    [Fact]
    public void With_none_lent_it_asks_for_some_and_the_router_asks_the_endpoint_meanwhile()
    {
        _pool.TryTake("e1", Until, Validity, out _).Should().BeFalse();
        _outbox.Take()["e1"].SparesWanted.Should().Be(2);
        _pool.TryTake("e1", Until, Validity, out _).Should().BeFalse();
        _outbox.Take().Should().BeEmpty("one ask is in the air");
    }

    [Fact]
    public void A_lent_spare_carries_requests_one_after_another_and_is_renewed_as_a_held_lease()
    {
        Lend("s1");
        _pool.TryTake("e1", Until, Validity, out var id).Should().BeTrue();
        id.Should().Be("s1");
        _pool.TryTake("e1", Until, Validity, out _).Should().BeFalse("its only spare is in use");

        var lease = new Lease(id, "e1", "g", "http://x", Until);
        _book.Add(lease, _clock.GetTimestamp());
        _book.ByEndpoint()["e1"].Single().ToHeld().Spare.Should().BeTrue();
        _book.Remove(new ReportOutcome("e1", id, OutcomeKind.Success), resend: false, keepSpare: _pool.Keeps("e1")).Should().BeTrue();
        _pool.PutBack("e1", id, _book.SpareExpiry(id)!.Value);

        _pool.TryTake("e1", Until, Validity, out var again).Should().BeTrue();
        again.Should().Be("s1");
    }

    [Fact]
    public void A_spare_its_endpoint_has_not_confirmed_within_the_validity_is_not_used_and_given_back()
    {
        Lend("s1");
        _clock.Advance(Validity);
        _pool.TryTake("e1", Until, Validity, out _).Should().BeFalse();
        _outbox.Take()["e1"].SparesReturned.Should().Equal("s1");
    }

    [Fact]
    public void A_spare_revoked_by_the_lease_keeper_is_never_used()
    {
        Lend("s1");
        _book.Revoke("s1");
        _pool.TryTake("e1", Until, Validity, out _).Should().BeFalse();
    }

    [Fact]
    public void A_recall_gives_back_the_idle_spares_and_retires_those_in_use_as_their_requests_end()
    {
        Lend("s1", "s2");
        _pool.TryTake("e1", Until, Validity, out var inUse).Should().BeTrue();
        _outbox.Take();

        _pool.Receive(new SpareLeases("e1", Holder, [], _clock.GetUtcNow(), Recall: true));
        _outbox.Take()["e1"].SparesReturned.Should().ContainSingle().Which.Should().NotBe(inUse);
        _pool.Keeps("e1").Should().BeFalse("the request on the other one gives it back as it ends");
        _pool.TryTake("e1", Until, Validity, out _).Should().BeFalse();
        _outbox.Take().Should().BeEmpty("no new ask right after a recall");

        _clock.Advance(TimeSpan.FromSeconds(1));
        _pool.Keeps("e1").Should().BeTrue();
    }

    [Fact]
    public void Spares_waiting_unused_past_the_idle_timeout_go_back()
    {
        Lend("s1", "s2");
        _clock.Advance(TimeSpan.FromSeconds(2));
        _pool.TryTake("e1", Until, Validity, out var used).Should().BeTrue();
        _book.Add(new Lease(used, "e1", "g", "http://x", Until), _clock.GetTimestamp());
        _book.Remove(new ReportOutcome("e1", used, OutcomeKind.Success), false, keepSpare: true);
        _pool.PutBack("e1", used, _book.SpareExpiry(used)!.Value);
        _outbox.Take();

        _clock.Advance(TimeSpan.FromSeconds(4));
        _pool.GiveBackUnused(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5));
        _outbox.Take()["e1"].SparesReturned.Should().ContainSingle("only the one idle for 6 s");
        _pool.IdleOn("e1").Should().Be(1);
    }

    [Fact]
    public void Spares_asked_for_before_a_new_incarnation_took_this_nodes_statement_are_never_used()
    {
        var askedAt = _clock.GetTimestamp();
        _clock.Advance(TimeSpan.FromMilliseconds(3));
        _pool.Queried("e1");
        _pool.Receive(new SpareLeases("e1", Holder, ["s1"], _clock.GetUtcNow() + TimeSpan.FromMinutes(5.5), askedAt));

        _pool.TryTake("e1", Until, Validity, out _).Should().BeFalse("the incarnation counting now may not know them");
        _book.Count.Should().Be(0);
        _outbox.Take()["e1"].SparesReturned.Should().Equal("s1");
    }
}
