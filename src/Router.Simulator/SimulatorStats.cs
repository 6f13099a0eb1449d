using System.Collections.Concurrent;

namespace Router.Simulator;

/// <summary>
/// Thread-safe counters of the OpenAI API requests (/v1/...) a simulator served. The /_sim control endpoints are
/// not counted. A request is in flight from the moment its handler starts until its response is complete.
/// </summary>
public sealed class SimulatorStats
{
    private long _totalRequests;
    private long _errors;
    private long _injectedErrors;
    private long _rateLimited;
    private int _currentInFlight;
    private int _maxInFlight;
    private readonly ConcurrentDictionary<string, long> _byPath = new(StringComparer.Ordinal);

    /// <summary>API requests started.</summary>
    public long TotalRequests => Interlocked.Read(ref _totalRequests);

    /// <summary>API responses with a status >= 400 (injected errors, 400, 401, ...).</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Errors injected by <see cref="SimulatorOptions.ErrorRate"/>.</summary>
    public long InjectedErrors => Interlocked.Read(ref _injectedErrors);

    /// <summary>Requests answered 429 because <see cref="SimulatorOptions.RateLimitRequests"/> was used up.</summary>
    public long RateLimited => Interlocked.Read(ref _rateLimited);

    /// <summary>Requests in flight now.</summary>
    public int CurrentInFlight => Volatile.Read(ref _currentInFlight);

    /// <summary>Highest number of requests in flight at once since start (or <see cref="Reset"/>).</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Requests per route, e.g. "/v1/chat/completions".</summary>
    public IReadOnlyDictionary<string, long> RequestsByPath =>
        new SortedDictionary<string, long>(_byPath.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal);

    /// <summary>Sets the counters to zero; MaxInFlight restarts from the requests in flight now.</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref _totalRequests, 0);
        Interlocked.Exchange(ref _errors, 0);
        Interlocked.Exchange(ref _injectedErrors, 0);
        Interlocked.Exchange(ref _rateLimited, 0);
        Interlocked.Exchange(ref _maxInFlight, Volatile.Read(ref _currentInFlight));
        _byPath.Clear();
    }

    /// <summary>A consistent-enough copy of all counters (serialized by GET /_sim/stats).</summary>
    public SimulatorStatsSnapshot Snapshot() =>
        new(TotalRequests, Errors, InjectedErrors, CurrentInFlight, MaxInFlight, RequestsByPath);

    internal void OnStart(string path)
    {
        Interlocked.Increment(ref _totalRequests);
        _byPath.AddOrUpdate(path, 1, static (_, n) => n + 1);
        var now = Interlocked.Increment(ref _currentInFlight);
        var max = Volatile.Read(ref _maxInFlight);
        while (now > max)
        {
            var seen = Interlocked.CompareExchange(ref _maxInFlight, now, max);
            if (seen == max) break;
            max = seen;
        }
    }

    internal void OnInjectedError() => Interlocked.Increment(ref _injectedErrors);

    internal void OnRateLimited() => Interlocked.Increment(ref _rateLimited);

    internal void OnEnd(int status)
    {
        if (status >= 400) Interlocked.Increment(ref _errors);
        Interlocked.Decrement(ref _currentInFlight);
    }
}

/// <summary>Point-in-time copy of <see cref="SimulatorStats"/>.</summary>
public sealed record SimulatorStatsSnapshot(
    long TotalRequests,
    long Errors,
    long InjectedErrors,
    int CurrentInFlight,
    int MaxInFlight,
    IReadOnlyDictionary<string, long> RequestsByPath);
