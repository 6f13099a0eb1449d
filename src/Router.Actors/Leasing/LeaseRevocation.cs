namespace Router.Actors.Leasing;

/// <summary>
/// The revocation of one held lease. The request on it registers its own cancellation source (<see cref="Watch"/>)
/// rather than linking to a source of the lease's: a source and a registration per request less on the hot path. A
/// token of its own is made only for a caller that asks for one (<see cref="Token"/>).
/// </summary>
internal abstract class LeaseRevocation
{
    /// <summary>The token of a lease no longer held.</summary>
    public static CancellationToken Revoked { get; } = new(canceled: true);

    // Guarded by this object's monitor; nothing outside the assembly can take it.
    private CancellationTokenSource? _watcher;
    private CancellationTokenSource? _token;
    private bool _revoked;

    public bool IsRevoked => Volatile.Read(ref _revoked);

    public CancellationToken Token
    {
        get
        {
            lock (this) return _revoked ? Revoked : (_token ??= new CancellationTokenSource()).Token;
        }
    }

    /// <summary>Cancels <paramref name="source"/> on revocation, or now if the lease is already revoked.</summary>
    public void Watch(CancellationTokenSource source)
    {
        lock (this)
        {
            if (!_revoked)
            {
                _watcher = source;
                return;
            }
        }
        source.Cancel();
    }

    /// <summary>After this, revoking the lease no longer touches <paramref name="source"/> (it may go back to a pool).</summary>
    public void Unwatch(CancellationTokenSource source)
    {
        lock (this)
            if (ReferenceEquals(_watcher, source)) _watcher = null;
    }

    /// <summary>Cancels the watcher and the token. Under the lock, so a watcher is never cancelled after it stopped
    /// watching: a pooled source may by then belong to another request.</summary>
    public void Revoke()
    {
        lock (this)
        {
            if (_revoked) return;
            Volatile.Write(ref _revoked, true);
            CancelQuietly(_watcher);
            CancelQuietly(_token);
            _watcher = null;
        }
    }

    private static void CancelQuietly(CancellationTokenSource? source)
    {
        try { source?.Cancel(); }
        catch (AggregateException) { } // a request's own clean-up failed; the lease is given up all the same
    }
}
