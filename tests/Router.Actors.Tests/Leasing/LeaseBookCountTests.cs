using Microsoft.Extensions.Time.Testing;
using Router.Actors.Leasing;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Leasing;

/// <summary>
/// The book's count of this node's requests per endpoint, which least-busy ranks on: exact through every way a lease
/// comes and goes, booked twice (router, then caller) or not, and never counting an idle spare.
/// </summary>
public class LeaseBookCountTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly LeaseBook _book;

    public LeaseBookCountTests() => _book = new LeaseBook(_clock);

    private Lease LeaseOn(string endpointId, string leaseId) => new(leaseId, endpointId, "g", "http://x", _clock.GetUtcNow().AddMinutes(5));

    private static ReportOutcome Ended(Lease lease) => new(lease.EndpointId, lease.LeaseId, OutcomeKind.Success);

    [Fact]
    public void A_lease_booked_by_the_router_and_again_by_its_caller_counts_once_and_keeps_the_earlier_confirmation()
    {
        var lease = LeaseOn("e1", "l1");
        var askedAt = _clock.GetTimestamp();
        _clock.Advance(TimeSpan.FromMilliseconds(3));
        _book.Add(lease, _clock.GetTimestamp());
        var routerToken = _book.RevocationOf("l1");
        _book.Add(lease, askedAt);

        _book.InUseOn("e1").Value.Should().Be(1);
        _book.RevocationOf("l1").Should().Be(routerToken, "one lease, one revocation");
        _book.ByEndpoint()["e1"].Single().ConfirmedAt.Should().Be(askedAt, "the earlier of the two times is the safe one");
        _book.RecentGrants("e1").Sum(b => b.Requests).Should().Be(1, "one request in the minute's grant log");
    }

    [Fact]
    public void Releases_and_revocations_take_a_request_off_its_endpoints_count_once()
    {
        var (a, b, c) = (LeaseOn("e1", "a"), LeaseOn("e1", "b"), LeaseOn("e2", "c"));
        foreach (var lease in new[] { a, b, c }) _book.Add(lease, _clock.GetTimestamp());
        _book.InUseOn("e1").Value.Should().Be(2);
        _book.InUseOn("e2").Value.Should().Be(1);

        _book.Remove(Ended(a), resend: false).Should().BeFalse("not a spare, so not kept");
        _book.Remove(Ended(a), resend: false);
        _book.Revoke("b").Should().NotBeNull();
        _book.Remove(Ended(b), resend: false); // the caller's release after its revocation
        _book.InUseOn("e1").Value.Should().Be(0);
        _book.InUseOn("e2").Value.Should().Be(1);
    }

    [Fact]
    public void A_spare_counts_only_while_it_carries_a_request()
    {
        _book.AddSpares("e1", ["s1"], _clock.GetUtcNow().AddMinutes(5), _clock.GetTimestamp());
        _book.InUseOn("e1").Value.Should().Be(0, "an idle spare runs nothing");

        var onSpare = LeaseOn("e1", "s1");
        _book.Add(onSpare, _clock.GetTimestamp());
        _book.InUseOn("e1").Value.Should().Be(1);
        _book.AddSpares("e1", ["s1"], _clock.GetUtcNow().AddMinutes(5), _clock.GetTimestamp());
        _book.InUseOn("e1").Value.Should().Be(1, "lending it again does not stop the request on it");

        _book.Remove(Ended(onSpare), resend: false, keepSpare: true).Should().BeTrue();
        _book.InUseOn("e1").Value.Should().Be(0, "kept as an idle spare");
        _book.DropIdleSpare("s1").Should().BeTrue();
        _book.InUseOn("e1").Value.Should().Be(0);
    }
}
