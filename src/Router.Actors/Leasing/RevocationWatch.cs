namespace Router.Actors.Leasing;

/// <summary>
/// A request's source watching its lease's revocation (<see cref="LeaseBook.Watch"/>). Dispose it before the source is
/// reused; until then, revoking the lease cancels the source.
/// </summary>
public readonly struct RevocationWatch : IDisposable
{
    private readonly LeaseRevocation? _lease;
    private readonly CancellationTokenSource _source;

    private RevocationWatch(LeaseRevocation? lease, CancellationTokenSource source) => (_lease, _source) = (lease, source);

    /// <summary>Watches <paramref name="lease"/>; a lease not held (null) counts as revoked, and cancels the source now.</summary>
    internal static RevocationWatch Start(LeaseRevocation? lease, CancellationTokenSource source)
    {
        if (lease is null) source.Cancel();
        else lease.Watch(source);
        return new RevocationWatch(lease, source);
    }

    /// <summary>Whether the lease was revoked: the request was stopped because its slot may be granted again.</summary>
    public bool IsRevoked => _lease?.IsRevoked ?? true;

    public void Dispose() => _lease?.Unwatch(_source);
}
