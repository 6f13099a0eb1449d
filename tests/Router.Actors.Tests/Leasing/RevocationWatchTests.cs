using Microsoft.Extensions.Time.Testing;
using Router.Actors.Leasing;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Leasing;

/// <summary>
/// A request's own cancellation source watching its lease: revoking the lease stops the request, a lease revoked before
/// the request started stops it at once, and a source the request let go of (to reuse it) is never cancelled by it.
/// </summary>
public class RevocationWatchTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly LeaseBook _book;

    public RevocationWatchTests() => _book = new LeaseBook(_clock);

    private Lease Hold(string leaseId)
    {
        var lease = new Lease(leaseId, "e1", "g", "http://x", _clock.GetUtcNow().AddMinutes(5));
        _book.Add(lease, _clock.GetTimestamp());
        return lease;
    }

    [Fact]
    public void Revoking_a_lease_cancels_the_source_of_the_request_on_it_and_says_why()
    {
        Hold("l1");
        using var attempt = new CancellationTokenSource();
        using var watch = _book.Watch("l1", attempt);
        watch.IsRevoked.Should().BeFalse();
        attempt.IsCancellationRequested.Should().BeFalse();

        _book.Revoke("l1");

        attempt.IsCancellationRequested.Should().BeTrue("the request must stop before its slot is granted again");
        watch.IsRevoked.Should().BeTrue("the gateway tells a revocation from a timeout by this");
    }

    [Fact]
    public void A_lease_revoked_before_its_request_watched_it_stops_the_request_at_once()
    {
        Hold("l1");
        _book.Revoke("l1");

        using var attempt = new CancellationTokenSource();
        using var watch = _book.Watch("l1", attempt);

        attempt.IsCancellationRequested.Should().BeTrue("the keeper revoked it between the grant and the forward");
        watch.IsRevoked.Should().BeTrue();
        _book.RevocationOf("l1").IsCancellationRequested.Should().BeTrue("a lease no longer held is revoked to anyone who asks");
    }

    [Fact]
    public void A_source_the_request_let_go_of_is_not_cancelled_by_a_later_revocation()
    {
        Hold("l1");
        using var attempt = new CancellationTokenSource();
        using (_book.Watch("l1", attempt)) { } // the request ended; its source may go back to a pool

        _book.Revoke("l1");

        attempt.IsCancellationRequested.Should().BeFalse("the source may belong to another request by now");
    }

    [Fact]
    public void A_token_asked_for_and_a_watching_source_are_both_cancelled()
    {
        Hold("l1");
        var token = _book.RevocationOf("l1");
        using var attempt = new CancellationTokenSource();
        using var watch = _book.Watch("l1", attempt);

        _book.Revoke("l1");

        token.IsCancellationRequested.Should().BeTrue();
        attempt.IsCancellationRequested.Should().BeTrue();
    }

    [Fact]
    public async Task A_revocation_racing_the_end_of_the_request_never_cancels_the_source_after_it_was_let_go()
    {
        // Two threads: one revokes leases in order, the other ends the requests on them in order, so each pair overlaps
        // at some point. A source seen uncancelled right after its watch ended must stay so.
        const int Leases = 20_000;
        var sources = new CancellationTokenSource[Leases];
        var watches = new RevocationWatch[Leases];
        var uncancelledWhenLetGo = new bool[Leases];
        for (var i = 0; i < Leases; i++)
        {
            Hold($"l{i}");
            sources[i] = new CancellationTokenSource();
            watches[i] = _book.Watch($"l{i}", sources[i]);
        }

        using var start = new Barrier(2);
        var revoker = Task.Run(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < Leases; i++) _book.Revoke($"l{i}");
        });
        var requests = Task.Run(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < Leases; i++)
            {
                watches[i].Dispose();
                uncancelledWhenLetGo[i] = !sources[i].IsCancellationRequested;
            }
        });
        await Task.WhenAll(revoker, requests).WaitAsync(TimeSpan.FromSeconds(30));

        Enumerable.Range(0, Leases).Where(i => uncancelledWhenLetGo[i] && sources[i].IsCancellationRequested)
            .Should().BeEmpty("a revocation after the watch ended must not reach the source");
        _book.Count.Should().Be(0);
        _book.InUseOn("e1").Value.Should().Be(0);
    }
}
