using Router.Messages.Endpoints;

namespace Router.Actors.Endpoints;

/// <summary>
/// The rpm/tpm budget one endpoint lent holder nodes (<see cref="RateAllowance"/>), by lot: what is left of each and
/// the second it was counted in. Plain bookkeeping for <see cref="EndpointLedger"/>, which owns the minute windows
/// and moves the counts this class reports.
/// </summary>
internal sealed class LentAllowances
{
    private readonly Dictionary<string, Lot> _lots = new(StringComparer.Ordinal);

    private sealed class Lot(DateTimeOffset lentAt, int requests, long tokens, DateTimeOffset expiresAt)
    {
        public DateTimeOffset LentAt { get; } = lentAt;
        public int Requests { get; set; } = requests;
        public long Tokens { get; set; } = tokens;
        public DateTimeOffset ExpiresAt { get; } = expiresAt;
    }

    public bool IsEmpty => _lots.Count == 0;

    public RateAllowance Lend(int requests, long tokens, DateTimeOffset now, DateTimeOffset expiresAt)
    {
        var id = Guid.NewGuid().ToString("N");
        _lots[id] = new Lot(now, requests, tokens, expiresAt);
        return new RateAllowance(id, requests, tokens, expiresAt);
    }

    /// <summary>One request drawn on the lot: false when this endpoint does not know it (lent by an earlier incarnation,
    /// or taken back) or it is spent. Otherwise the second its share was counted in, and the tokens taken from it.</summary>
    public bool TryDraw(string lotId, int estimatedTokens, out DateTimeOffset lentAt, out long tokens)
    {
        (lentAt, tokens) = (default, 0);
        if (!_lots.TryGetValue(lotId, out var lot) || lot.Requests == 0) return false;
        lot.Requests--;
        tokens = Math.Min(lot.Tokens, estimatedTokens);
        lot.Tokens -= tokens;
        lentAt = lot.LentAt;
        return true;
    }

    /// <summary>Ends the lot (given back): what is left of it, and the second it was counted in.</summary>
    public bool TryEnd(string lotId, out (DateTimeOffset LentAt, int Requests, long Tokens) left)
    {
        left = default;
        if (!_lots.Remove(lotId, out var lot)) return false;
        left = (lot.LentAt, lot.Requests, lot.Tokens);
        return true;
    }

    /// <summary>Ends the lots past their expiry by <paramref name="grace"/> (their holder gave up on them, or its
    /// give-back was lost): what is left of each.</summary>
    public List<(DateTimeOffset LentAt, int Requests, long Tokens)> EndExpired(DateTimeOffset now, TimeSpan grace)
    {
        var ended = new List<(DateTimeOffset, int, long)>();
        if (_lots.Count == 0) return ended;
        foreach (var (id, lot) in _lots.ToList())
            if (lot.ExpiresAt + grace <= now)
            {
                _lots.Remove(id);
                ended.Add((lot.LentAt, lot.Requests, lot.Tokens));
            }
        return ended;
    }
}
