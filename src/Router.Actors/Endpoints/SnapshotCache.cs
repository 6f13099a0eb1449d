using System.Collections.Concurrent;
using Router.Messages.Endpoints;

namespace Router.Actors.Endpoints;

/// <summary>
/// The node's latest known snapshot of every endpoint, fed by the pushed batches. Routers rank on it without
/// asking endpoints; the endpoint actor still decides every grant. Each endpoint has one
/// <see cref="EndpointSlot"/> for the node's lifetime, so a router can hold the slots of a group and read
/// them without a lookup per endpoint per decision.
/// </summary>
public sealed class SnapshotCache
{
    private readonly ConcurrentDictionary<string, EndpointSlot> _slots = new(StringComparer.Ordinal);

    public EndpointSlot Slot(string endpointId) => _slots.GetOrAdd(endpointId, id => new EndpointSlot(id));

    /// <summary>
    /// Forgets what is known of an endpoint whose actor stopped answering (its node may be gone): its last
    /// snapshot would otherwise keep it looking busy, so no router would ever try it again and start its
    /// actor elsewhere. Any later snapshot replaces the blank one.
    /// </summary>
    public void Forget(string endpointId) => Slot(endpointId).Reset();

    /// <summary>An endpoint answered a grant with its in-flight count: use it until its next snapshot arrives.
    /// <paramref name="heldHere"/>: this node's requests on it now, the grant's included (see <see cref="EndpointSlot.OthersAnswered"/>).</summary>
    public void ObserveInFlight(LeaseAcquired grant, int heldHere) => Slot(grant.EndpointId).ObserveInFlight(grant, heldHere);

    /// <summary>Applies the snapshot an endpoint's refusal carried (its count at that moment, without holders), and notes
    /// the other nodes' part of it as <see cref="EndpointSlot.OthersAnswered"/>.</summary>
    public void ApplyAnswer(EndpointSnapshot snapshot, int heldHere)
    {
        var slot = Slot(snapshot.EndpointId);
        slot.TryReplace(snapshot);
        slot.NoteAnswered(snapshot, heldHere);
    }

    /// <summary>
    /// The newest snapshot any incarnation of the endpoint published, even after <see cref="Forget"/>: a new
    /// incarnation takes its breaker and windows over from it.
    /// </summary>
    public EndpointSnapshot LastPublished(string endpointId) => Slot(endpointId).LastPublished;

    /// <summary>Stores <paramref name="snapshot"/> unless a newer one is already there; true when it did.</summary>
    public bool Apply(EndpointSnapshot snapshot) => Slot(snapshot.EndpointId).TryReplace(snapshot);
}

/// <summary>The current snapshot of one endpoint on this node, swapped atomically.</summary>
public sealed class EndpointSlot(string endpointId)
{
    private EndpointSnapshot _snapshot = EndpointSnapshot.Empty(endpointId);
    private EndpointSnapshot _lastPublished = EndpointSnapshot.Empty(endpointId);

    private int _pending;
    private int _ownSinceSnapshot;

    public EndpointSnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>
    /// Acquires this node has sent the endpoint and not yet had answered. Strategies add them to the snapshot's count:
    /// a burst of decisions made before the first grant comes back would otherwise all see the same count and all
    /// pick the same endpoint, on every node at once.
    /// </summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>
    /// Leases granted to this node's callers, less those they released, since the snapshot held here: this node's own
    /// activity, known here at once but seen in the snapshot only after the next publish (up to 100 ms, plus the gossip
    /// to other nodes). Without it an endpoint this node just released looks as busy as before, and one it granted
    /// itself (a local grant) looks idler than it is, for a whole gossip interval; remote endpoints lag longer than
    /// local ones, so strategies that rank on counts leaned toward one side (local for least-busy, remote for the rest).
    /// Strategies add it to the snapshot's count, as they add <see cref="Pending"/>.
    /// </summary>
    public int OwnSinceSnapshot => Volatile.Read(ref _ownSinceSnapshot);

    /// <summary>This node's router granted a lease on the endpoint itself (a local grant): the actor counts it a batch later.</summary>
    internal void GrantedHere() => Interlocked.Increment(ref _ownSinceSnapshot);

    /// <summary>One of this node's callers released a lease on the endpoint.</summary>
    internal void ReleasedHere() => Interlocked.Decrement(ref _ownSinceSnapshot);

    internal void AcquireSent() => Interlocked.Increment(ref _pending);

    internal void AcquireAnswered()
    {
        if (Interlocked.Decrement(ref _pending) < 0) Interlocked.Increment(ref _pending);
    }

    internal EndpointSnapshot LastPublished => Volatile.Read(ref _lastPublished);

    /// <summary>An actor's answer (a count without holders) and the other nodes' part of it.</summary>
    private sealed record AnsweredCount(EndpointSnapshot Snapshot, int Others);

    private AnsweredCount? _answered;

    /// <summary>
    /// The other nodes' part of <paramref name="snapshot"/>, a count an actor answered with (it does not say whose its
    /// leases are): its count less this node's requests when it arrived. Null for any other snapshot.
    /// </summary>
    internal int? OthersAnswered(EndpointSnapshot snapshot) =>
        Volatile.Read(ref _answered) is { } answered && ReferenceEquals(answered.Snapshot, snapshot) ? answered.Others : null;

    internal void NoteAnswered(EndpointSnapshot snapshot, int heldHere)
    {
        if (snapshot.InFlightByHolder is null) Volatile.Write(ref _answered, new AnsweredCount(snapshot, Math.Max(0, snapshot.InFlight - heldHere)));
    }

    /// <summary><paramref name="Count"/>: a holder's leases in <paramref name="Snapshot"/>; <paramref name="OtherHolders"/>:
    /// how many other holders have leases in it.</summary>
    private sealed record HolderPart(EndpointSnapshot Snapshot, int Count, int OtherHolders);

    private HolderPart? _holderPart;

    /// <summary>
    /// The leases <paramref name="holder"/> holds in <paramref name="snapshot"/> (this slot's), and how many other holders
    /// hold some; null when the snapshot does not say who holds its leases (a count a grant or a refusal carried).
    /// Remembered per snapshot: a router reads it for every candidate of every decision, and the holder is always this node.
    /// </summary>
    internal (int Count, int OtherHolders)? PartOf(EndpointSnapshot snapshot, string holder)
    {
        if (snapshot.InFlightByHolder is not { } byHolder) return snapshot.InFlight == 0 ? (0, 0) : null;
        var memo = Volatile.Read(ref _holderPart);
        if (memo is null || !ReferenceEquals(memo.Snapshot, snapshot))
        {
            var (count, others) = (0, 0);
            foreach (var (name, held) in byHolder)
            {
                if (string.Equals(name, holder, StringComparison.Ordinal)) count = held;
                else if (held > 0) others++;
            }
            memo = new HolderPart(snapshot, count, others);
            Volatile.Write(ref _holderPart, memo);
        }
        return (memo.Count, memo.OtherHolders);
    }

    /// <summary>
    /// Takes the in-flight count an endpoint reported with a grant, until its next published snapshot. Ranking reads the
    /// other nodes' part from published snapshots (<see cref="Routing.InFlightView"/>); this count serves the capped
    /// least-busy bound, and ranking only until a first snapshot naming holders has arrived.
    /// </summary>
    internal void ObserveInFlight(LeaseAcquired grant, int heldHere)
    {
        var current = Volatile.Read(ref _snapshot);
        var sameIncarnation = grant.Incarnation == current.Incarnation;
        // A snapshot taken after the grant is already here: nothing to learn.
        if (sameIncarnation && grant.Sequence <= current.Sequence) return;
        // The grant's count is exact as of now, this node's own activity included.
        Volatile.Write(ref _ownSinceSnapshot, 0);
        if (current.InFlight == grant.InFlight)
        {
            NoteAnswered(current, heldHere);
            return;
        }
        // The grant's count is newer than every snapshot of its incarnation up to its sequence: take that sequence, so
        // one of those arriving later (snapshots cross the network more slowly than replies) does not undo it.
        // The per-holder counts and deadlines are the snapshot's, not the grant's: dropped rather than left to disagree with it.
        var updated = sameIncarnation
            ? current with { InFlight = grant.InFlight, Sequence = grant.Sequence, InFlightByHolder = null, LatestDeadlineByHolder = null }
            : current with { InFlight = grant.InFlight, InFlightByHolder = null, LatestDeadlineByHolder = null };
        if (ReferenceEquals(Interlocked.CompareExchange(ref _snapshot, updated, current), current)) NoteAnswered(updated, heldHere);
    }

    internal void Reset()
    {
        Volatile.Write(ref _snapshot, EndpointSnapshot.Empty(endpointId));
        Volatile.Write(ref _ownSinceSnapshot, 0);
    }

    internal bool TryReplace(EndpointSnapshot snapshot)
    {
        // Only a snapshot that says who holds its leases can be taken over (a refusal's piggybacked one does not).
        var complete = snapshot.InFlight == 0 || snapshot.InFlightByHolder is not null;
        // Routers (a refusal's count) and the node's applier write here at once: an older snapshot must never overwrite a
        // newer one, as it could between a check and a plain write.
        while (complete)
        {
            var published = Volatile.Read(ref _lastPublished);
            if (!snapshot.Supersedes(published) ||
                ReferenceEquals(Interlocked.CompareExchange(ref _lastPublished, snapshot, published), published)) break;
        }
        while (true)
        {
            var previous = Volatile.Read(ref _snapshot);
            // The same sequence as a grant's count placed here (see ObserveInFlight): the full snapshot of that moment.
            var sameMoment = snapshot.Incarnation == previous.Incarnation && snapshot.Sequence == previous.Sequence && snapshot.Sequence != 0;
            if (!snapshot.Supersedes(previous) && !sameMoment) return false;
            if (ReferenceEquals(Interlocked.CompareExchange(ref _snapshot, snapshot, previous), previous))
            {
                Volatile.Write(ref _ownSinceSnapshot, 0); // the new count has this node's activity up to its moment
                return true;
            }
        }
    }
}
