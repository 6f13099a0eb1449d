using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Leasing;

/// <summary>
/// Cuts one flush's activity for a node into messages of at most so many grants and releases. A relay that falls
/// behind (two busy cores, a pause) flushes less often, and one message of everything held grew past 160 KB in the
/// routing bench: a buffer that size lands on the large-object heap, in every copy the serializer and the transport
/// make, and those collections stalled the process for seconds.
/// </summary>
internal static class LeaseActivityBatches
{
    /// <summary>About 2-4 KB in the binary form (15-30 KB were it JSON): well under the large-object threshold (85 KB)
    /// and the transport's frame size (128 KB).</summary>
    public const int MaxEntries = 64;

    /// <summary>
    /// The batches, in order. An endpoint's activity split over several keeps its order: every grant before every
    /// release (each part is applied grants first), and its asks and give-backs ride on its last part, after the uses
    /// and releases they follow, as in one message.
    /// </summary>
    public static IEnumerable<LeaseActivityBatch> Split(IReadOnlyList<LeaseActivity> activities, int maxEntries = MaxEntries)
    {
        var batch = new List<LeaseActivity>();
        var room = maxEntries;
        foreach (var activity in activities)
        {
            var (granted, ended) = (0, 0);
            while (true)
            {
                var grants = Math.Min(room, activity.Granted.Count - granted);
                var ends = Math.Min(room - grants, activity.Ended.Count - ended);
                var last = granted + grants == activity.Granted.Count && ended + ends == activity.Ended.Count;
                if (grants > 0 || ends > 0 || last)
                {
                    batch.Add(granted == 0 && ended == 0 && last
                        ? activity
                        : Part(activity, Slice(activity.Granted, granted, grants), Slice(activity.Ended, ended, ends), last));
                    (granted, ended, room) = (granted + grants, ended + ends, room - grants - ends);
                }
                if (room <= 0)
                {
                    yield return new LeaseActivityBatch(batch);
                    (batch, room) = ([], maxEntries);
                }
                if (last) break;
            }
        }
        if (batch.Count > 0) yield return new LeaseActivityBatch(batch);
    }

    private static LeaseActivity Part(LeaseActivity whole, IReadOnlyList<AcquireLease> granted, IReadOnlyList<ReportOutcome> ended,
        bool last) =>
        last ? whole with { Granted = granted, Ended = ended } : new LeaseActivity(whole.EndpointId, granted, ended);

    private static IReadOnlyList<T> Slice<T>(IReadOnlyList<T> items, int from, int count) =>
        count == 0 ? [] : items.Skip(from).Take(count).ToList();
}
