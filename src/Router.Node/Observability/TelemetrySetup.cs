using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Router.Actors.Hosting;

namespace Router.Node.Observability;

/// <summary>
/// Wires OpenTelemetry for a node: the router's and the gateway's meters (plus .NET runtime metrics) to Prometheus at
/// /metrics and, when an OTLP endpoint is set in the standard OTEL_* variables, to OTLP; spans (gateway request, routing
/// decision, upstream attempt and its HTTP call) when tracing is on. <see cref="TelemetryOptions.Enabled"/> = false
/// leaves all of it out.
/// </summary>
internal static class TelemetrySetup
{
    public const string ServiceName = "llm-router";
    public const string MetricsPath = "/metrics";

    public static IServiceCollection AddRouterTelemetry(this IServiceCollection services, TelemetryOptions telemetry, IConfiguration configuration, object scope)
    {
        // The instruments always exist (the handler records into them); without a listener a record is a flag check.
        // Built by the container, so disposed with the node.
        services.AddSingleton(sp => new GatewayMetrics(sp.GetRequiredService<Router.Node.Gateway.GatewayStats>(), scope));
        services.AddSingleton<GatewayTelemetry>();
        if (!telemetry.Enabled) return services;

        var otlpMetrics = HasOtlpEndpoint(configuration, "METRICS");
        var otlpTraces = HasOtlpEndpoint(configuration, "TRACES");
        // OTEL_SERVICE_NAME, when set, names the service; otherwise llm-router.
        var named = !string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]);
        var otel = services.AddOpenTelemetry().ConfigureResource(r =>
        {
            if (!named) r.AddService(ServiceName);
        });
        otel.WithMetrics(metrics =>
        {
            metrics.AddMeter(RouterMetrics.MeterName, GatewayMetrics.MeterName)
                .AddRuntimeInstrumentation()
                // Meters are process-wide: another node in the same process (tests, benchmarks) has its own scope.
                .AddView(instrument => instrument.Meter.Scope is not null && !ReferenceEquals(instrument.Meter.Scope, scope) ? MetricStreamConfiguration.Drop
                    : IsRuntimeMeter(instrument.Meter.Name) ? RuntimeMetricStream : null)
                .AddPrometheusExporter();
            if (otlpMetrics) metrics.AddOtlpExporter();
        });
        if (telemetry.Tracing ?? otlpTraces)
        {
            otel.WithTracing(tracing =>
            {
                tracing.AddSource(GatewayTracing.SourceName)
                    // The server span continues the client's traceparent; probes, admin calls and scrapes are not traced.
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => context.Request.Path.StartsWithSegments("/v1"))
                    // The HTTP client span of each attempt is the parent the upstream sees in its traceparent.
                    .AddHttpClientInstrumentation();
                if (otlpTraces) tracing.AddOtlpExporter();
            });
        }
        return services;
    }

    // Every metric stream holds its whole cardinality limit from the start (2,000 points of 72 bytes by default): the
    // runtime's instruments have a few series each, and at the default their ~20 streams held 2.7 MB for nothing.
    private static readonly MetricStreamConfiguration RuntimeMetricStream = new() { CardinalityLimit = 100 };

    private static bool IsRuntimeMeter(string name) => name is "System.Runtime" or "OpenTelemetry.Instrumentation.Runtime";

    /// <summary>GET /metrics (Prometheus text), when telemetry is on. It is served on the admin listener only, without the admin token.</summary>
    public static IEndpointRouteBuilder MapRouterMetrics(this IEndpointRouteBuilder app, TelemetryOptions telemetry)
    {
        if (telemetry.Enabled) app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }

    /// <summary>Paths the admin listener serves besides /admin.</summary>
    public static bool IsAdminListenerPath(PathString path) => path.StartsWithSegments(MetricsPath);

    /// <summary>The OTLP exporter's own variables: the signal's endpoint or the common one.</summary>
    private static bool HasOtlpEndpoint(IConfiguration configuration, string signal) =>
        !string.IsNullOrWhiteSpace(configuration[$"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"]) ||
        !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
}
