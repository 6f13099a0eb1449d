using System.Collections.Concurrent;
using Router.Actors.Hosting;
using Router.Messages.Routing;

namespace Router.Node.Gateway;

/// <summary>
/// Tells a request that fails everywhere because of what it is (a "poison" request) from endpoints that fail for
/// everyone (an outage). A request's first upstream 5xx counts against its endpoint as usual; a second endpoint's
/// 5xx for the same request never does, and if that endpoint is serving others (its last counted outcome is a
/// success, within the last minute, on this node and in its cluster-wide snapshot), the request is not retried
/// further. Otherwise the retries and fallbacks go on, as they must in an outage.
/// </summary>
internal sealed class PoisonRequests(RouterRuntime runtime)
{
    private static readonly TimeSpan HealthyWithin = TimeSpan.FromMinutes(1);

    /// <summary>How stale a noted success may be (against <see cref="HealthyWithin"/>'s minute): successes closer together are noted once.</summary>
    private static readonly TimeSpan SuccessResolution = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<string, Outcomes> _outcomes = new(StringComparer.Ordinal);

    /// <summary>Whether an upstream answer is the kind a poison request produces (5xx other than 503, which says "unavailable").</summary>
    public static bool IsServerError(AttemptResult result) =>
        result.UpstreamAnswered && result.Failure is { Status: >= 500 and not StatusCodes.Status503ServiceUnavailable };

    /// <summary>Notes an outcome as it was reported to the endpoint's actor.</summary>
    public void Observe(string endpointId, OutcomeKind reported)
    {
        if (reported == OutcomeKind.Success) _outcomes.GetOrAdd(endpointId, static _ => new Outcomes()).Succeeded(runtime.Clock.GetUtcNow());
        else if (reported.IsEndpointFailure()) _outcomes.GetOrAdd(endpointId, static _ => new Outcomes()).Failed(runtime.Clock.GetUtcNow());
    }

    /// <summary>The endpoint's last counted outcome was a success, within the last minute.</summary>
    public bool ServesOthers(string endpointId)
    {
        var snapshot = runtime.Snapshots.Slot(endpointId).Snapshot;
        if (snapshot.ConsecutiveFailures > 0) return false;
        var local = _outcomes.GetValueOrDefault(endpointId);
        var lastSuccess = Max(snapshot.LastSampleAt, local?.LastSuccess);
        return lastSuccess is { } success
            && runtime.Clock.GetUtcNow() - success < HealthyWithin
            && (local?.LastFailure is not { } failure || success > failure);
    }

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    private sealed class Outcomes
    {
        private long _lastSuccess, _lastFailure; // UTC ticks, 0 = never

        public DateTimeOffset? LastSuccess => At(Interlocked.Read(ref _lastSuccess));
        public DateTimeOffset? LastFailure => At(Interlocked.Read(ref _lastFailure));

        /// <summary>
        /// A success is written only when it changes an answer: when the last one is older than <see cref="SuccessResolution"/>
        /// or not newer than the last failure, so a busy endpoint's successes do not all write the same shared line.
        /// </summary>
        public void Succeeded(DateTimeOffset now)
        {
            var ticks = now.UtcTicks;
            var last = Volatile.Read(ref _lastSuccess);
            if (ticks - last < SuccessResolution.Ticks && last > Volatile.Read(ref _lastFailure)) return;
            Interlocked.Exchange(ref _lastSuccess, ticks);
        }
        public void Failed(DateTimeOffset now) => Interlocked.Exchange(ref _lastFailure, now.UtcTicks);

        private static DateTimeOffset? At(long ticks) => ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
    }
}
