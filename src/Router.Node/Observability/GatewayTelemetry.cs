using System.Collections.Concurrent;
using System.Diagnostics;
using Router.Messages.Endpoints;
using Router.Messages.Routing;
using Router.Node.Gateway;

namespace Router.Node.Observability;

/// <summary>
/// What the gateway's request handler calls at its few instrumentation points: metrics and spans together, so the
/// handler stays about routing. Endpoint labels are computed once per endpoint definition.
/// </summary>
internal sealed class GatewayTelemetry(GatewayMetrics metrics)
{
    private readonly ConcurrentDictionary<string, EndpointLabels> _endpoints = new(StringComparer.Ordinal);

    /// <summary>
    /// A client request for a configured group began; disposing the result records how it ended. The operation and the
    /// server span are looked up here once and carried by the result to every attempt.
    /// </summary>
    /// <param name="counters">The group's counters, whose <see cref="GroupCounters.Requested"/> the caller already counted.</param>
    public RequestTelemetry StartRequest(HttpContext context, GroupCounters counters, string group, string upstreamPath, long startedAt)
    {
        var operation = GenAi.OperationOf(upstreamPath);
        var span = GatewayTracing.ServerSpan(context);
        if (span is not null)
        {
            span.SetTag(GenAi.OperationName, operation);
            span.SetTag(GenAi.RequestModel, group);
        }
        return new RequestTelemetry(metrics, counters, context, group, operation, startedAt, span);
    }

    public void FellBack(string group, string fallbackGroup) => metrics.FellBack(group, fallbackGroup);

    public void Retried(string group, string endpointId) => metrics.Retried(group, endpointId);

    public void CapacityWaited(string group, TimeSpan pause) => metrics.CapacityWaited(group, pause);

    /// <summary>One upstream attempt began: its endpoint's labels (looked up once per attempt) and its client span, if recorded.</summary>
    public AttemptTelemetry StartAttempt(in RequestTelemetry request, Lease lease, EndpointDefinition? endpoint, int attempt)
    {
        var labels = LabelsOf(lease, endpoint);
        return new AttemptTelemetry(labels, GatewayTracing.StartAttempt(request.Operation, labels, attempt));
    }

    /// <summary>
    /// One upstream attempt ended. <paramref name="firstByteTimestamp"/>: when the first byte reached a streaming client
    /// (0 if none did, or not a stream).
    /// </summary>
    public void AttemptEnded(in RequestTelemetry request, in AttemptTelemetry attempt, Lease lease, OutcomeKind kind,
        double latencyMs, int promptTokens, int completionTokens, long firstByteTimestamp)
    {
        double? firstToken = kind == OutcomeKind.Success && firstByteTimestamp != 0
            ? Stopwatch.GetElapsedTime(request.StartedAt, firstByteTimestamp).TotalSeconds
            : null;
        metrics.AttemptEnded(lease.ModelGroup, request.Operation, attempt.Labels, kind, latencyMs / 1000, promptTokens, completionTokens, firstToken);
        if (attempt.Span is not { } span) return;
        GatewayTracing.AttemptEnded(span, kind, GatewayMetrics.OutcomeOf(kind), promptTokens, completionTokens);
        if (kind == OutcomeKind.Success && request.ServerSpan is { } server)
        {
            // The request's own span says who served it and what it cost.
            server.SetTag("llm_router.endpoint", lease.EndpointId);
            if (promptTokens > 0) server.SetTag(GenAi.UsageInputTokens, promptTokens);
            if (completionTokens > 0) server.SetTag(GenAi.UsageOutputTokens, completionTokens);
        }
    }

    private EndpointLabels LabelsOf(Lease lease, EndpointDefinition? endpoint)
    {
        var model = endpoint?.UpstreamModel is { Length: > 0 } upstreamModel ? upstreamModel : lease.ModelGroup;
        // Definitions change at runtime (admin API): labels follow the url and model the attempt used.
        if (_endpoints.TryGetValue(lease.EndpointId, out var labels) && ReferenceEquals(labels.Url, lease.Url) && labels.Model == model &&
            labels.Group == lease.ModelGroup)
            return labels;
        var (host, port) = Uri.TryCreate(lease.Url, UriKind.Absolute, out var uri) ? (uri.Host, uri.Port) : ("", 0);
        labels = new EndpointLabels(lease.EndpointId, lease.Url, model, host, port, GenAi.ProviderOf(endpoint), lease.ModelGroup,
            metrics.AttemptCountsOf(lease.ModelGroup, lease.EndpointId));
        _endpoints[lease.EndpointId] = labels;
        return labels;
    }
}

/// <summary>
/// Records a client request's outcome and duration when disposed (a struct: no allocation per request). Carries what
/// every attempt of the request shares: its operation, its arrival and its server span.
/// </summary>
internal readonly struct RequestTelemetry(
    GatewayMetrics metrics, GroupCounters counters, HttpContext context, string group, string operation, long startedAt, Activity? serverSpan) : IDisposable
{
    public string Operation => operation;
    public long StartedAt => startedAt;

    /// <summary>The request's server span when a tracer records it (looked up once, at the start).</summary>
    public Activity? ServerSpan => serverSpan;

    public void Dispose()
    {
        if (metrics is null) return;
        var clientGone = context.RequestAborted.IsCancellationRequested;
        var status = context.Response.StatusCode;
        metrics.RequestEnded(counters, group, operation, status, clientGone, Stopwatch.GetElapsedTime(startedAt).TotalSeconds);
        if (serverSpan is not null && !clientGone && status >= 500) serverSpan.SetTag(GenAi.ErrorType, GenAi.StatusText(status));
    }
}

/// <summary>One upstream attempt's endpoint labels and client span (null when spans are not recorded); disposing ends the span.</summary>
internal readonly struct AttemptTelemetry(EndpointLabels labels, Activity? span) : IDisposable
{
    public EndpointLabels Labels => labels;
    public Activity? Span => span;

    public void Dispose() => span?.Dispose();
}
