using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Router.Actors.Hosting;
using Router.Messages.Routing;

namespace Router.Node.Observability;

/// <summary>
/// The gateway's spans (ActivitySource "LlmRouter.Gateway"): one per routing decision and one client span per upstream
/// attempt, under the server span ASP.NET Core starts from the client's <c>traceparent</c>. Without a listener (tracing
/// off) nothing is created: every method checks first, so the request path pays no allocation for them.
/// </summary>
internal static class GatewayTracing
{
    public const string SourceName = "LlmRouter.Gateway";
    private const string AspNetCoreSource = "Microsoft.AspNetCore";
    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The request's server span when a tracer records it (not the bare activity ASP.NET Core keeps for logs).</summary>
    public static Activity? ServerSpan(HttpContext context) =>
        context.Features.Get<IHttpActivityFeature>()?.Activity is { IsAllDataRequested: true } activity && activity.Source.Name == AspNetCoreSource
            ? activity
            : null;

    /// <summary>Asks for a lease inside a "route {group}" span, when spans are recorded.</summary>
    public static ValueTask<IRouteResponse> RouteAsync(RouterClient router, RouteRequest request, TimeSpan timeout, CancellationToken cancellationToken) =>
        Source.HasListeners() ? TracedRouteAsync(router, request, timeout, cancellationToken) : router.RouteAsync(request, timeout, cancellationToken);

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<IRouteResponse> TracedRouteAsync(RouterClient router, RouteRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var span = Source.StartActivity("route " + request.ModelGroup);
        span?.SetTag("llm_router.group", request.ModelGroup);
        try
        {
            var answer = await router.RouteAsync(request, timeout, cancellationToken);
            if (span is null) return answer;
            switch (answer)
            {
                case LeaseGranted granted:
                    span.SetTag("llm_router.outcome", "granted");
                    span.SetTag("llm_router.endpoint", granted.Lease.EndpointId);
                    span.SetTag("llm_router.acquire_attempts", granted.Attempts);
                    break;
                case NoEndpointAvailable none:
                    span.SetTag("llm_router.outcome", none.Reason.ToString());
                    span.SetStatus(ActivityStatusCode.Error, none.Message);
                    break;
            }
            return answer;
        }
        catch (OperationCanceledException)
        {
            span?.SetTag("llm_router.outcome", "cancelled");
            throw;
        }
    }

    /// <summary>A client span "{operation} {model}" for one upstream attempt; the HTTP client span and the upstream's are its children.</summary>
    public static Activity? StartAttempt(string operation, EndpointLabels endpoint, int attempt)
    {
        if (!Source.HasListeners()) return null;
        var span = Source.StartActivity(operation + " " + endpoint.Model, ActivityKind.Client);
        if (span is not { IsAllDataRequested: true }) return span;
        span.SetTag(GenAi.OperationName, operation);
        span.SetTag(GenAi.RequestModel, endpoint.Model);
        span.SetTag(GenAi.ProviderName, endpoint.Provider);
        span.SetTag(GenAi.ServerAddress, endpoint.Host);
        span.SetTag(GenAi.ServerPort, endpoint.Port);
        span.SetTag("llm_router.endpoint", endpoint.Id);
        span.SetTag("llm_router.attempt", attempt);
        return span;
    }

    public static void AttemptEnded(Activity? span, OutcomeKind kind, string outcome, int promptTokens, int completionTokens)
    {
        if (span is not { IsAllDataRequested: true }) return;
        span.SetTag("llm_router.outcome", outcome);
        if (promptTokens > 0) span.SetTag(GenAi.UsageInputTokens, promptTokens);
        if (completionTokens > 0) span.SetTag(GenAi.UsageOutputTokens, completionTokens);
        if (kind != OutcomeKind.Success)
        {
            span.SetTag(GenAi.ErrorType, outcome);
            span.SetStatus(ActivityStatusCode.Error);
        }
    }
}
