using System.Collections.Concurrent;

namespace Router.Actors.Hosting;

/// <summary>
/// Cancellation sources for time limits on the request path (the router's answer, the gateway's request and attempt),
/// reused from request to request as YARP reuses its activity timeout's: a linked source, its registrations and its
/// timer per request and per attempt were about a kilobyte of what the gateway allocates. A source goes back to the pool
/// only when it was never cancelled and its timer had not fired (<see cref="CancellationTokenSource.TryReset"/>), so a
/// cancelled token is never seen again.
/// </summary>
internal static class PooledTimeouts
{
    private const int MaxPooled = 4096;
    private static readonly ConcurrentQueue<CancellationTokenSource> Pool = new();
    private static int _pooled; // about how many the pool holds (ConcurrentQueue.Count is not free, and this is per request)
    private static readonly Action<object?> CancelSource = static source => ((CancellationTokenSource)source!).Cancel();

    /// <summary>A source cancelled when <paramref name="linked"/> is, as a linked one would be.</summary>
    public static Lease Rent(CancellationToken linked)
    {
        if (Pool.TryDequeue(out var source)) Interlocked.Decrement(ref _pooled);
        else source = new CancellationTokenSource();
        return new Lease(source, linked.UnsafeRegister(CancelSource, source));
    }

    /// <summary>Dispose when the request or attempt is over and nothing uses the token any more (anything else that
    /// cancels the source, such as a <see cref="Leasing.RevocationWatch"/>, must have let go of it before).</summary>
    internal readonly struct Lease(CancellationTokenSource source, CancellationTokenRegistration linked) : IDisposable
    {
        public CancellationTokenSource Source => source;

        public void Dispose()
        {
            // Unregistered first (waiting for a callback already running), so nothing cancels it once it is pooled.
            linked.Dispose();
            if (source.TryReset() && Volatile.Read(ref _pooled) < MaxPooled)
            {
                Interlocked.Increment(ref _pooled);
                Pool.Enqueue(source);
            }
            else source.Dispose();
        }
    }
}
