using System.Collections.Concurrent;
using System.Diagnostics;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Node.Observability;

/// <summary>
/// What the gateway's request handler calls at its few instrumentation points: metrics and spans together, so the
/// handler stays about routing. Endpoint labels are computed once per endpoint definition.
/// </summary>
internal sealed class GatewayTelemetry(GatewayMetrics metrics)
{
    private readonly ConcurrentDictionary<string, EndpointLabels> _endpoints = new(StringComparer.Ordinal);

    /// <summary>A client request for a configured group began; disposing the result records how it ended.</summary>
    public RequestTelemetry StartRequest(HttpContext context, string group, string upstreamPath, long startedAt)
    {
        var operation = GenAi.OperationOf(upstreamPath);
        metrics.RequestStarted(group);
        if (GatewayTracing.ServerSpan(context) is { } span)
        {
            span.SetTag(GenAi.OperationName, operation);
            span.SetTag(GenAi.RequestModel, group);
        }
        return new RequestTelemetry(metrics, context, group, operation, startedAt);
    }

    public void FellBack(string group, string fallbackGroup) => metrics.FellBack(group, fallbackGroup);

    public void Retried(string group, string endpointId) => metrics.Retried(group, endpointId);

    public void CapacityWaited(string group, TimeSpan pause) => metrics.CapacityWaited(group, pause);

    /// <summary>The client span of one upstream attempt (null when spans are not recorded).</summary>
    public Activity? StartAttempt(Lease lease, EndpointDefinition? endpoint, string upstreamPath, int attempt) =>
        GatewayTracing.StartAttempt(GenAi.OperationOf(upstreamPath), LabelsOf(lease, endpoint), attempt);

    /// <summary>
    /// One upstream attempt ended. <paramref name="firstByteTimestamp"/>: when the first byte reached a streaming client
    /// (0 if none did, or not a stream); <paramref name="startedAt"/>: when the client request arrived.
    /// </summary>
    public void AttemptEnded(Activity? span, HttpContext context, Lease lease, EndpointDefinition? endpoint, string upstreamPath, OutcomeKind kind,
        double latencyMs, int promptTokens, int completionTokens, long startedAt, long firstByteTimestamp)
    {
        var labels = LabelsOf(lease, endpoint);
        var operation = GenAi.OperationOf(upstreamPath);
        double? firstToken = kind == OutcomeKind.Success && firstByteTimestamp != 0
            ? Stopwatch.GetElapsedTime(startedAt, firstByteTimestamp).TotalSeconds
            : null;
        metrics.AttemptEnded(lease.ModelGroup, operation, labels, kind, latencyMs / 1000, promptTokens, completionTokens, firstToken);
        if (span is null) return;
        GatewayTracing.AttemptEnded(span, kind, GatewayMetrics.OutcomeOf(kind), promptTokens, completionTokens);
        if (kind == OutcomeKind.Success && GatewayTracing.ServerSpan(context) is { } server)
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
        if (_endpoints.TryGetValue(lease.EndpointId, out var labels) && ReferenceEquals(labels.Url, lease.Url) && labels.Model == model)
            return labels;
        var (host, port) = Uri.TryCreate(lease.Url, UriKind.Absolute, out var uri) ? (uri.Host, uri.Port) : ("", 0);
        labels = new EndpointLabels(lease.EndpointId, lease.Url, model, host, port, GenAi.ProviderOf(endpoint));
        _endpoints[lease.EndpointId] = labels;
        return labels;
    }
}

/// <summary>Records a client request's outcome and duration when disposed (a struct: no allocation per request).</summary>
internal readonly struct RequestTelemetry(GatewayMetrics metrics, HttpContext context, string group, string operation, long startedAt) : IDisposable
{
    public void Dispose()
    {
        if (metrics is null) return;
        var clientGone = context.RequestAborted.IsCancellationRequested;
        var status = context.Response.StatusCode;
        metrics.RequestEnded(group, operation, status, clientGone, Stopwatch.GetElapsedTime(startedAt).TotalSeconds);
        if (GatewayTracing.ServerSpan(context) is { } span && !clientGone && status >= 500) span.SetTag(GenAi.ErrorType, GenAi.StatusText(status));
    }
}
