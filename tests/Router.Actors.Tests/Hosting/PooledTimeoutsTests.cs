using Router.Actors.Hosting;

namespace Router.Actors.Tests.Hosting;

/// <summary>
/// The request and attempt time limits reuse their cancellation sources: a reused one must behave as a fresh linked
/// source, and nothing of an earlier request may cancel a later one.
/// </summary>
public sealed class PooledTimeoutsTests
{
    [Fact]
    public void A_pooled_source_is_cancelled_by_the_token_it_was_linked_to_and_never_handed_out_cancelled()
    {
        using var earlier = new CancellationTokenSource();
        using (var limit = PooledTimeouts.Rent(earlier.Token))
        {
            earlier.Cancel();
            limit.Source.IsCancellationRequested.Should().BeTrue("the request it was linked to ended");
        }
        using var client = new CancellationTokenSource();
        using (var limit = PooledTimeouts.Rent(client.Token))
        {
            limit.Source.IsCancellationRequested.Should().BeFalse("a cancelled source is never handed out again");
            client.Cancel();
            limit.Source.IsCancellationRequested.Should().BeTrue("the client left");
        }
    }

    [Fact]
    public void A_reused_source_hears_nothing_of_the_request_that_had_it_before()
    {
        using var earlier = new CancellationTokenSource();
        CancellationTokenSource first;
        using (var limit = PooledTimeouts.Rent(earlier.Token))
        {
            first = limit.Source;
            first.CancelAfter(TimeSpan.FromMinutes(10)); // a timer armed, then the request ended in time
        }

        // Rent until the pooled one comes back (other tests may use the pool at the same time).
        var rented = new List<PooledTimeouts.Lease>();
        try
        {
            for (var i = 0; i < 10_000 && !rented.Any(l => ReferenceEquals(l.Source, first)); i++) rented.Add(PooledTimeouts.Rent(CancellationToken.None));
            var reused = rented.Single(l => ReferenceEquals(l.Source, first));

            earlier.Cancel();
            reused.Source.IsCancellationRequested.Should().BeFalse("the earlier request's token was unregistered before pooling");
        }
        finally
        {
            foreach (var lease in rented) lease.Dispose();
        }
    }
}
