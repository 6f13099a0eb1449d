namespace Router.Node.Observability;

/// <summary>The node's metrics and traces (configuration section "Telemetry").</summary>
public sealed class TelemetryOptions
{
    /// <summary>
    /// Metrics (Prometheus at GET /metrics on the admin listener, OTLP when an OTEL_EXPORTER_OTLP_*ENDPOINT is set) and
    /// traces. False turns all of it off (no /metrics, no spans): what the cost benchmark compares against.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Traces: null (default) records spans only when an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT or
    /// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), so a node without a collector pays nothing for them; true records them
    /// anyway (for an exporter added in code); false never.
    /// </summary>
    public bool? Tracing { get; set; }
}
