using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Router.Messages.Routing;
using Router.Node.Gateway;

namespace Router.Node.Observability;

/// <summary>
/// The gateway's instruments (meter "LlmRouter.Gateway"): the GenAI semantic conventions' server metrics (what clients
/// see) and client metrics (each attempt toward an endpoint), and the router's request, attempt, retry, fallback and
/// capacity-wait counts. Labels are bounded: configured groups, endpoints and upstream models, and fixed outcome names.
/// Recording without a listener (telemetry off) costs a flag check.
/// </summary>
public sealed class GatewayMetrics : IDisposable
{
    public const string MeterName = "LlmRouter.Gateway";

    // The conventions' advised bucket boundaries.
    private static readonly IReadOnlyList<double> DurationBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
    private static readonly IReadOnlyList<double> FirstTokenBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];
    private static readonly IReadOnlyList<long> TokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

    private readonly Meter _meter;
    private readonly Histogram<double> _serverDuration;
    private readonly Histogram<double> _serverFirstToken;
    private readonly Histogram<double> _clientDuration;
    private readonly Histogram<long> _tokenUsage;
    private readonly GatewayStats _stats;
    // Upstream attempts by (group, endpoint), indexed by OutcomeKind; endpoint labels keep a reference to theirs.
    private readonly ConcurrentDictionary<(string Group, string Endpoint), long[]> _attemptCounts = new();
    private readonly Counter<long> _retries;
    private readonly Counter<long> _fallbacks;
    private readonly Counter<long> _capacityWaits;
    private readonly Counter<double> _capacityWaitTime;

    /// <param name="scope">The meter's scope: the node's, so a node's exporter leaves other nodes' meters in the same process alone.</param>
    /// <param name="stats">The node's request counters: llm_router.requests and llm_router.requests.active are read from them.</param>
    public GatewayMetrics(GatewayStats stats, object? scope = null)
    {
        _stats = stats;
        _meter = new Meter(new MeterOptions(MeterName) { Scope = scope });
        _serverDuration = _meter.CreateHistogram("gen_ai.server.request.duration", "s",
            "Client requests from arrival to the end of the response, whatever served them (all attempts, waits and fallbacks).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _serverFirstToken = _meter.CreateHistogram("gen_ai.server.time_to_first_token", "s",
            "Streamed requests that succeeded: from arrival to the first byte relayed to the client.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = FirstTokenBuckets });
        _clientDuration = _meter.CreateHistogram("gen_ai.client.operation.duration", "s",
            "Each upstream attempt, from sending it to its last byte, by endpoint.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _tokenUsage = _meter.CreateHistogram("gen_ai.client.token.usage", "{token}",
            "Tokens the upstream reported used (its usage object), per successful attempt and token type.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = TokenBuckets });
        // Counts are kept once (GatewayStats, the attempt counts below) and observed when an exporter collects, rather
        // than recorded a second time per request into counters of their own.
        _meter.CreateObservableCounter("llm_router.requests", ObserveRequests, "{request}",
            "Client requests for a configured model group, by group and how they ended.");
        _meter.CreateObservableUpDownCounter("llm_router.requests.active", ObserveActive, "{request}",
            "Client requests this gateway is serving now, by group.");
        _meter.CreateObservableCounter("llm_router.attempts", ObserveAttempts, "{attempt}",
            "Upstream attempts, by group, endpoint and outcome.");
        _retries = _meter.CreateCounter<long>("llm_router.retries", "{attempt}",
            "Attempts after a request's first (another endpoint after a retryable failure), by group and the endpoint retried on.");
        _fallbacks = _meter.CreateCounter<long>("llm_router.fallbacks", "{request}",
            "Requests that moved on to a fallback group, by the group asked for and the fallback group.");
        _capacityWaits = _meter.CreateCounter<long>("llm_router.capacity.waits", "{wait}",
            "Pauses taken because every endpoint of a group was at its cap (Router:CapacityWaitSeconds), by group.");
        _capacityWaitTime = _meter.CreateCounter<double>("llm_router.capacity.wait_time", "s",
            "Time requests spent waiting for a group's capacity, by group.");
    }

    /// <summary>The outcomes of llm_router.requests; <see cref="GroupCounters"/> counts ended requests by index into this.</summary>
    internal static readonly string[] RequestOutcomes =
        ["success", "rate_limited", "upstream_error", "unavailable", "timeout", "client_error", "server_error", "cancelled"];

    /// <summary>
    /// A client request for <paramref name="counters"/>' group ended with <paramref name="status"/> (or the client left).
    /// (Its start was counted by <see cref="GroupCounters.Requested"/>: llm_router.requests.active is the difference.)
    /// </summary>
    public void RequestEnded(GroupCounters counters, string group, string operation, int status, bool clientGone, double seconds)
    {
        counters.End(clientGone ? CancelledOutcome : OutcomeIndexOf(status));
        if (!_serverDuration.Enabled) return;
        var tags = new TagList
        {
            { GenAi.OperationName, operation },
            { GenAi.ProviderName, GenAi.GatewayProvider },
            { GenAi.RequestModel, group },
        };
        if (clientGone) tags.Add(GenAi.ErrorType, "cancelled");
        else if (status >= 400) tags.Add(GenAi.ErrorType, GenAi.StatusText(status));
        _serverDuration.Record(seconds, tags);
    }

    /// <summary>
    /// One upstream attempt ended. <paramref name="firstTokenSeconds"/>: for a streamed success, from the client request's
    /// arrival to its first relayed byte; otherwise null.
    /// </summary>
    public void AttemptEnded(string group, string operation, EndpointLabels endpoint, OutcomeKind kind, double seconds,
        int promptTokens, int completionTokens, double? firstTokenSeconds)
    {
        Interlocked.Increment(ref endpoint.AttemptCounts[(int)kind]);
        if (firstTokenSeconds is { } ttft && _serverFirstToken.Enabled)
            _serverFirstToken.Record(ttft, new TagList
            {
                { GenAi.OperationName, operation },
                { GenAi.ProviderName, GenAi.GatewayProvider },
                { GenAi.RequestModel, group },
            });
        if (!_clientDuration.Enabled && !_tokenUsage.Enabled) return;
        var tags = new TagList
        {
            { GenAi.OperationName, operation },
            { GenAi.ProviderName, endpoint.Provider },
            { GenAi.RequestModel, endpoint.Model },
            { GenAi.ServerAddress, endpoint.Host },
            { GenAi.ServerPort, endpoint.Port },
            { "endpoint", endpoint.Id },
        };
        if (kind != OutcomeKind.Success) tags.Add(GenAi.ErrorType, OutcomeOf(kind));
        _clientDuration.Record(seconds, tags);
        if (kind != OutcomeKind.Success || !_tokenUsage.Enabled) return;
        // The token type is the 7th tag: TagList keeps up to 8 inline.
        if (promptTokens > 0)
        {
            tags.Add(GenAi.TokenType, "input");
            _tokenUsage.Record(promptTokens, tags);
            tags.RemoveAt(tags.Count - 1);
        }
        if (completionTokens > 0)
        {
            tags.Add(GenAi.TokenType, "output");
            _tokenUsage.Record(completionTokens, tags);
        }
    }

    public void Retried(string group, string endpointId)
    {
        if (_retries.Enabled) _retries.Add(1, new TagList { { "group", group }, { "endpoint", endpointId } });
    }

    public void FellBack(string group, string fallbackGroup)
    {
        if (_fallbacks.Enabled) _fallbacks.Add(1, new TagList { { "group", group }, { "fallback_group", fallbackGroup } });
    }

    public void CapacityWaited(string group, TimeSpan pause)
    {
        var tag = new KeyValuePair<string, object?>("group", group);
        _capacityWaits.Add(1, tag);
        _capacityWaitTime.Add(pause.TotalSeconds, tag);
    }

    /// <summary>How a client request ended, from the status it got.</summary>
    internal static string OutcomeOf(int status) => RequestOutcomes[OutcomeIndexOf(status)];

    private const int CancelledOutcome = 7;

    private static int OutcomeIndexOf(int status) => status switch
    {
        < 400 => 0,
        429 => 1,
        502 => 2,
        503 => 3,
        504 => 4,
        < 500 => 5,
        _ => 6,
    };

    /// <summary>The attempt counts of <paramref name="endpointId"/> in <paramref name="group"/> (kept for the node's life, so the counter never goes back).</summary>
    internal long[] AttemptCountsOf(string group, string endpointId) =>
        _attemptCounts.GetOrAdd((group, endpointId), static _ => new long[AttemptOutcomeCount]);

    private static readonly int AttemptOutcomeCount = Enum.GetValues<OutcomeKind>().Max(k => (int)k) + 1;

    private IEnumerable<Measurement<long>> ObserveRequests()
    {
        var measurements = new List<Measurement<long>>();
        foreach (var (group, counters) in _stats.Groups)
            for (var i = 0; i < RequestOutcomes.Length; i++)
                if (counters.Ended(i) is var count and > 0)
                    measurements.Add(new Measurement<long>(count, new KeyValuePair<string, object?>("group", group),
                        new KeyValuePair<string, object?>("outcome", RequestOutcomes[i])));
        return measurements;
    }

    private IEnumerable<Measurement<long>> ObserveActive()
    {
        var measurements = new List<Measurement<long>>();
        foreach (var (group, counters) in _stats.Groups)
            measurements.Add(new Measurement<long>(counters.Active, new KeyValuePair<string, object?>("group", group)));
        return measurements;
    }

    private IEnumerable<Measurement<long>> ObserveAttempts()
    {
        var measurements = new List<Measurement<long>>();
        foreach (var ((group, endpoint), counts) in _attemptCounts)
            for (var i = 0; i < counts.Length; i++)
                if (Interlocked.Read(ref counts[i]) is var count and > 0)
                    measurements.Add(new Measurement<long>(count, new KeyValuePair<string, object?>("group", group),
                        new KeyValuePair<string, object?>("endpoint", endpoint), new KeyValuePair<string, object?>("outcome", OutcomeOf((OutcomeKind)i))));
        return measurements;
    }

    internal static string OutcomeOf(OutcomeKind kind) => kind switch
    {
        OutcomeKind.Success => "success",
        OutcomeKind.ClientError => "client_error",
        OutcomeKind.Cancelled => "cancelled",
        OutcomeKind.RateLimited => "rate_limited",
        OutcomeKind.ServerError => "server_error",
        OutcomeKind.Timeout => "timeout",
        OutcomeKind.ConnectError => "connect_error",
        OutcomeKind.NotUsed => "not_used",
        _ => "other",
    };

    public void Dispose() => _meter.Dispose();
}

/// <summary>An endpoint's bounded labels, computed once per endpoint definition rather than per attempt.</summary>
/// <param name="Port">Boxed once here: a tag value is an object.</param>
/// <param name="Group">The model group the attempts were for.</param>
/// <param name="AttemptCounts">The (group, endpoint)'s attempt counts by <see cref="OutcomeKind"/> (llm_router.attempts), shared by every labels object of it.</param>
public sealed record EndpointLabels(string Id, string Url, string Model, string Host, object Port, string Provider, string Group, long[] AttemptCounts);
