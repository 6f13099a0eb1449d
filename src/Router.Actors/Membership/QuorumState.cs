namespace Router.Actors.Membership;

/// <summary>
/// Whether this node recently reached a majority of the gateways. Endpoint actors grant only while it does, so an
/// incarnation on a node that is cut off, or that resumes after a freeze, grants nothing while a new incarnation
/// may already serve on the majority side. Written by <see cref="QuorumMonitorActor"/>, read lock-free.
/// </summary>
public sealed class QuorumState(TimeProvider clock, TimeSpan authorityTtl)
{
    private long _confirmedAt = long.MinValue;

    /// <summary>A round sent at <paramref name="sentAt"/> (a <see cref="TimeProvider.GetTimestamp"/>) was answered by a majority.</summary>
    public void Confirm(long sentAt)
    {
        long current;
        do
        {
            current = Volatile.Read(ref _confirmedAt);
            if (sentAt <= current) return;
        }
        while (Interlocked.CompareExchange(ref _confirmedAt, sentAt, current) != current);
    }

    /// <summary>True while the last round a majority answered was sent less than the authority TTL ago.</summary>
    public bool HasMajority => TryGetConfirmedAt(out _);

    /// <summary>The send time of the last round a majority answered, if that is less than the authority TTL ago.</summary>
    public bool TryGetConfirmedAt(out long sentAt)
    {
        sentAt = Volatile.Read(ref _confirmedAt);
        return sentAt != long.MinValue && clock.GetElapsedTime(sentAt) < authorityTtl;
    }
}
