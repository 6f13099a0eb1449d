using Router.Messages.Endpoints;

namespace Router.Actors.Leasing;

/// <summary>
/// The rpm/tpm budget endpoints on other nodes lent this node (<see cref="RateAllowance"/>), by endpoint. A router draws
/// one request (and its estimated tokens) from a lot instead of a round trip to the endpoint's actor, and names the lot
/// in the grant it reports, so the actor moves that share to the second of use. Asks for more through the
/// <see cref="LeaseActivityOutbox"/> as it runs low, and gives back each lot when it is spent or may no longer be drawn
/// on. Used from routers and the relay, so each endpoint's part is locked.
/// </summary>
public sealed class RateAllowancePool(LeaseActivityOutbox outbox, TimeProvider clock)
{
    /// <summary>How long after this node asked for it a lot may be drawn on. The endpoint lends for as long from when it
    /// lent, which is later, so this node stops first; short, because lent and unused budget counts as used.</summary>
    public static readonly TimeSpan UsableFor = TimeSpan.FromSeconds(2);

    /// <summary>How long an ask may go unanswered before this node asks again (the endpoint may lend nothing).</summary>
    private static readonly TimeSpan AskAgainAfter = TimeSpan.FromMilliseconds(50);

    private const int MinimumAsk = 8;
    private const int MaximumAsk = 1_000;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, EndpointAllowance> _byEndpoint = new(StringComparer.Ordinal);

    private sealed class Lot(string id, int requests, long tokens, long askedAt)
    {
        public string Id { get; } = id;
        public int Requests { get; set; } = requests;
        public long Tokens { get; set; } = tokens;
        /// <summary>This node's timestamp of the ask it answered: drawn on for <see cref="UsableFor"/> from then.</summary>
        public long AskedAt { get; } = askedAt;
    }

    private sealed class EndpointAllowance
    {
        public readonly List<Lot> Lots = [];
        /// <summary>Requests that wanted a draw since the last ask, granted on a lot or not: the next ask is for twice as
        /// many, so a busy node's lots grow with its demand.</summary>
        public int WantedSinceAsk;
        public long AskedAt;
    }

    /// <summary>
    /// Draws one request of <paramref name="estimatedTokens"/> on <paramref name="endpointId"/>'s lent budget (tokens
    /// only when <paramref name="countsTokens"/>: the endpoint has a tpm limit). False when no lot can carry it: the
    /// router asks the endpoint instead. Asks for more when none or little is left.
    /// </summary>
    public bool TryDraw(string endpointId, int estimatedTokens, bool countsTokens, out string lotId)
    {
        var allowance = _byEndpoint.GetOrAdd(endpointId, _ => new EndpointAllowance());
        lotId = "";
        bool runningLow;
        lock (allowance)
        {
            var left = 0;
            allowance.WantedSinceAsk++;
            foreach (var lot in allowance.Lots)
            {
                if (!Usable(lot)) continue;
                if (lotId.Length == 0 && lot.Requests > 0 && (!countsTokens || lot.Tokens >= estimatedTokens))
                {
                    lot.Requests--;
                    if (countsTokens) lot.Tokens -= estimatedTokens;
                    lotId = lot.Id;
                }
                left += lot.Requests;
            }
            // Before it runs out: what is left should last until the answer to a new ask is in.
            runningLow = lotId.Length == 0 || left < Math.Max(1, allowance.WantedSinceAsk / 2);
        }
        if (runningLow) AskForMore(endpointId, allowance, estimatedTokens, countsTokens);
        return lotId.Length > 0;
    }

    /// <summary>Puts back a request drawn on <paramref name="lotId"/> that was not granted after all.</summary>
    public void Undraw(string endpointId, string lotId, int estimatedTokens, bool countsTokens)
    {
        if (!_byEndpoint.TryGetValue(endpointId, out var allowance)) return;
        lock (allowance)
            foreach (var lot in allowance.Lots)
                if (lot.Id == lotId)
                {
                    lot.Requests++;
                    if (countsTokens) lot.Tokens += estimatedTokens;
                    return;
                }
    }

    /// <summary>An endpoint's answer to this node's ask (<paramref name="askedAt"/>, this node's timestamp).</summary>
    public void Receive(string endpointId, RateAllowance lent, long askedAt)
    {
        var allowance = _byEndpoint.GetOrAdd(endpointId, _ => new EndpointAllowance());
        lock (allowance) allowance.Lots.Add(new Lot(lent.LotId, lent.Requests, lent.Tokens, askedAt));
    }

    /// <summary>Gives back the lots that are spent or may no longer be drawn on: the endpoint stops counting what is
    /// left of them. Called every renewal round.</summary>
    public void GiveBackUnusable() => GiveBack(all: false);

    /// <summary>Gives back every lot (this node is stopping).</summary>
    public void GiveBackAll() => GiveBack(all: true);

    /// <summary>A new incarnation of the endpoint counts from what the last one published, lent budget included, and
    /// does not know these lots: they are dropped, and what they covered stays counted there until it leaves the minute.</summary>
    public void Queried(string endpointId)
    {
        if (!_byEndpoint.TryGetValue(endpointId, out var allowance)) return;
        lock (allowance) allowance.Lots.Clear();
    }

    /// <summary>Requests that may still be drawn on an endpoint's lots, for tests and admin.</summary>
    public int RequestsLeftOn(string endpointId)
    {
        if (!_byEndpoint.TryGetValue(endpointId, out var allowance)) return 0;
        lock (allowance) return allowance.Lots.Where(Usable).Sum(l => l.Requests);
    }

    private bool Usable(Lot lot) => clock.GetElapsedTime(lot.AskedAt) < UsableFor;

    private void GiveBack(bool all)
    {
        foreach (var (endpointId, allowance) in _byEndpoint)
        {
            List<string>? ended = null;
            lock (allowance)
                allowance.Lots.RemoveAll(lot =>
                {
                    var done = all || lot.Requests == 0 || !Usable(lot);
                    if (done) (ended ??= []).Add(lot.Id);
                    return done;
                });
            foreach (var id in ended ?? []) outbox.AllowanceReturned(endpointId, id);
        }
    }

    private void AskForMore(string endpointId, EndpointAllowance allowance, int estimatedTokens, bool countsTokens)
    {
        int wanted;
        long askedAt;
        lock (allowance)
        {
            if (allowance.AskedAt != 0 && clock.GetElapsedTime(allowance.AskedAt) < AskAgainAfter) return;
            allowance.AskedAt = askedAt = clock.GetTimestamp();
            wanted = Math.Clamp(2 * allowance.WantedSinceAsk, MinimumAsk, MaximumAsk);
            allowance.WantedSinceAsk = 0;
        }
        outbox.WantAllowance(endpointId, wanted, countsTokens ? (long)wanted * Math.Max(1, estimatedTokens) : 0, askedAt);
    }
}
