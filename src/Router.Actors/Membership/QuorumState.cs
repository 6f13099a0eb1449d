namespace Router.Actors.Membership;

/// <summary>
/// Whether this node recently reached a majority of the gateways. Endpoint actors grant only while it does, so an
/// incarnation on a node that is cut off, or that resumes after a freeze, grants nothing while a new incarnation
/// may already serve on the majority side. Written by <see cref="QuorumMonitorActor"/>, read lock-free.
/// </summary>
public sealed class QuorumState(TimeProvider clock, TimeSpan authorityTtl, TimeSpan roundInterval)
{
    private long _confirmedAt = long.MinValue;
    private long _roundSentAt = long.MinValue;
    private long _resumedAt = long.MinValue;

    public QuorumState(TimeProvider clock, TimeSpan authorityTtl) : this(clock, authorityTtl, TimeSpan.FromMilliseconds(500))
    {
    }

    /// <summary>How long the majority may be missing before a node stops granting and routing.</summary>
    public TimeSpan AuthorityTtl => authorityTtl;

    /// <summary>The monitor sent a round at <paramref name="sentAt"/> (a <see cref="TimeProvider.GetTimestamp"/>). Written by the monitor only.</summary>
    public void RoundSent(long sentAt)
    {
        var previous = Volatile.Read(ref _roundSentAt);
        // Rounds go out every interval: a longer gap means this process did not run, and this round is the first after it.
        if (previous != long.MinValue && clock.GetElapsedTime(previous, sentAt) > 2 * roundInterval) Volatile.Write(ref _resumedAt, sentAt);
        Volatile.Write(ref _roundSentAt, sentAt);
    }

    /// <summary>
    /// True when the majority lapsed because this process itself stood still (a long GC pause, a descheduled VM), not
    /// because the others stopped answering. The monitor sends a round every interval, so a cut-off node keeps sending
    /// them unanswered, while a paused one sent none for longer than two intervals: it has not sent one since it
    /// resumed, or it sent the first one less than the authority TTL ago. The majority then comes back with the first
    /// rounds after the pause; a router can wait for it rather than refuse every decision in between.
    /// </summary>
    public bool LapsedByLocalPause
    {
        get
        {
            if (Volatile.Read(ref _confirmedAt) == long.MinValue || HasMajority) return false;
            var newest = Volatile.Read(ref _roundSentAt);
            if (newest == long.MinValue) return false;
            if (clock.GetElapsedTime(newest) > 2 * roundInterval) return true;
            var resumedAt = Volatile.Read(ref _resumedAt);
            return resumedAt != long.MinValue && clock.GetElapsedTime(resumedAt) < authorityTtl;
        }
    }

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
