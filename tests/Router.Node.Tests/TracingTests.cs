using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace Router.Node.Tests;

/// <summary>
/// Traces: the gateway continues the client's W3C traceparent (server span), records the routing decision and each
/// upstream attempt, and the upstream receives a traceparent of the same trace whose parent is the gateway's HTTP call.
/// </summary>
public sealed class TracingTests
{
    [Fact]
    public async Task A_request_continues_the_clients_trace_and_the_upstream_sees_the_gateways_span_as_its_parent()
    {
        var spans = new SpanCollection();
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("trace-sim", o => { o.RecordRequests = true; o.CompletionTokens = 3; })
            .Group("trace-model").Endpoint("trace-model", "trace-1", "trace-sim")
            .Set("Telemetry:Tracing", true)
            .Services(services => services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans))));

        var traceId = ActivityTraceId.CreateRandom();
        var clientSpan = ActivitySpanId.CreateRandom();
        using var client = UntracedClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/chat/completions")
        {
            Content = new StringContent(TestGateway.ChatBody("trace-model"), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{clientSpan}-01");
        using var response = await client.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var usage = (await response.JsonAsync()).GetProperty("usage");

        // The upstream's traceparent: the client's trace, but not the client's span as parent.
        var upstreamTraceparent = gateway.Sim("trace-sim").State.Recorded.Single().Headers
            .Single(h => h.Key.Equals("traceparent", StringComparison.OrdinalIgnoreCase)).Value;
        var parts = upstreamTraceparent.Split('-');
        parts[1].Should().Be(traceId.ToHexString(), "the upstream request belongs to the client's trace");
        parts[2].Should().NotBe(clientSpan.ToHexString(), "the gateway's own span is the upstream's parent");

        // Spans end as the handler finishes, just after the client has its answer.
        var ours = await spans.WhenAsync(traceId, list => list.Any(IsGatewayServerSpan));
        var server = ours.Single(IsGatewayServerSpan);
        server.ParentSpanId.Should().Be(clientSpan, "the server span continues the client's traceparent");
        server.Kind.Should().Be(ActivityKind.Server);
        server.GetTagItem("gen_ai.operation.name").Should().Be("chat");
        server.GetTagItem("gen_ai.request.model").Should().Be("trace-model");
        server.GetTagItem("llm_router.endpoint").Should().Be("trace-1");

        var route = ours.Should().ContainSingle(a => a.Source.Name == "LlmRouter.Gateway" && a.DisplayName == "route trace-model").Subject;
        route.ParentSpanId.Should().Be(server.SpanId);
        route.GetTagItem("llm_router.outcome").Should().Be("granted");
        route.GetTagItem("llm_router.endpoint").Should().Be("trace-1");

        var attempt = ours.Should().ContainSingle(a => a.Source.Name == "LlmRouter.Gateway" && a.Kind == ActivityKind.Client).Subject;
        attempt.DisplayName.Should().Be("chat trace-model");
        attempt.ParentSpanId.Should().Be(server.SpanId);
        attempt.GetTagItem("gen_ai.operation.name").Should().Be("chat");
        attempt.GetTagItem("gen_ai.request.model").Should().Be("trace-model");
        attempt.GetTagItem("gen_ai.provider.name").Should().Be("openai");
        attempt.GetTagItem("llm_router.endpoint").Should().Be("trace-1");
        attempt.GetTagItem("llm_router.attempt").Should().Be(1);
        attempt.GetTagItem("gen_ai.usage.input_tokens").Should().Be(usage.GetProperty("prompt_tokens").GetInt32());
        attempt.GetTagItem("gen_ai.usage.output_tokens").Should().Be(3);
        attempt.Status.Should().NotBe(ActivityStatusCode.Error);

        // The HTTP client span (HttpClient instrumentation) under the attempt is the parent the upstream was sent.
        var http = ours.Should().ContainSingle(a => a.Source.Name == "System.Net.Http" && a.ParentSpanId == attempt.SpanId).Subject;
        http.SpanId.ToHexString().Should().Be(parts[2]);
    }

    [Fact]
    public async Task Without_an_otlp_endpoint_or_Telemetry_Tracing_the_gateway_records_no_spans()
    {
        var spans = new SpanCollection();
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("untraced-sim")
            .Group("untraced-model").Endpoint("untraced-model", "untraced-1", "untraced-sim")
            .Services(services => services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans))));
        var traceId = ActivityTraceId.CreateRandom();
        using var client = UntracedClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/chat/completions")
        {
            Content = new StringContent(TestGateway.ChatBody("untraced-model"), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");

        using var response = await client.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        // The metrics of the same request are recorded once its handler is done: after that, no span of it can still come.
        await PrometheusScrape.WhenAsync(gateway.AdminUrl, m => m.Sum("llm_router_requests_total", "group=untraced-model") == 1);
        spans.Of(traceId).Should().BeEmpty("tracing is off by default without an OTLP endpoint");
    }

    /// <summary>
    /// A client that sends the traceparent it is given: without a propagator, HttpClient neither starts a span of its own
    /// (the node's HttpClient instrumentation listens process-wide) nor replaces the header.
    /// </summary>
    private static HttpClient UntracedClient() => new(new SocketsHttpHandler { UseProxy = false, ActivityHeadersPropagator = null });

    private static bool IsGatewayServerSpan(Activity a) =>
        a.Source.Name == "Microsoft.AspNetCore" && a.Kind == ActivityKind.Server && a.GetTagItem("gen_ai.request.model") is not null;

    /// <summary>
    /// Spans exported by the node under test: exporters see every span of the process (sources are global), so
    /// lookups are by trace id. Thread-safe: nodes of other tests export concurrently.
    /// </summary>
    private sealed class SpanCollection : ICollection<Activity>
    {
        private readonly List<Activity> _spans = [];

        public List<Activity> Of(ActivityTraceId traceId)
        {
            lock (_spans) return _spans.Where(a => a.TraceId == traceId).ToList();
        }

        public Task<List<Activity>> WhenAsync(ActivityTraceId traceId, Func<List<Activity>, bool> condition, double timeoutSeconds = 10) =>
            Eventually.Until(() => Of(traceId), condition, $"the spans of trace {traceId} match", TimeSpan.FromSeconds(timeoutSeconds),
                describe: spans => "spans " + string.Join(", ", spans.Select(s => $"{s.Source.Name}/{s.DisplayName}")));

        public void Add(Activity item)
        {
            lock (_spans) _spans.Add(item);
        }

        public void Clear()
        {
            lock (_spans) _spans.Clear();
        }

        public bool Contains(Activity item)
        {
            lock (_spans) return _spans.Contains(item);
        }

        public void CopyTo(Activity[] array, int arrayIndex)
        {
            lock (_spans) _spans.CopyTo(array, arrayIndex);
        }

        public bool Remove(Activity item)
        {
            lock (_spans) return _spans.Remove(item);
        }

        public int Count
        {
            get { lock (_spans) return _spans.Count; }
        }

        public bool IsReadOnly => false;

        public IEnumerator<Activity> GetEnumerator() => Of(default).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
