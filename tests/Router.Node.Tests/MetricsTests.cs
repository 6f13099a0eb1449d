using System.Net;
using System.Text.Json;

namespace Router.Node.Tests;

/// <summary>
/// GET /metrics on the admin listener, after real requests through the gateway: the series an operator's dashboards
/// and alerts read, with the values the requests produced. Group and endpoint names are unique to each test, so
/// nodes of other tests running in the same process cannot add to what a test asserts.
/// </summary>
public sealed class MetricsTests
{
    private const string AdminToken = "metrics-admin-token";

    [Fact]
    public async Task Requests_attempts_durations_and_token_usage_match_what_the_upstream_returned()
    {
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("m-sim", o => o.CompletionTokens = 5)
            .Group("metrics-chat").Endpoint("metrics-chat", "metrics-chat-1", "m-sim")
            .Set("Admin:Token", AdminToken));

        int prompt = 0, completion = 0;
        foreach (var content in new[] { "Hello there", "A somewhat longer question for the model", "Hi" })
        {
            using var response = await gateway.ChatAsync("metrics-chat", content);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            var usage = (await response.JsonAsync()).GetProperty("usage");
            prompt += usage.GetProperty("prompt_tokens").GetInt32();
            completion += usage.GetProperty("completion_tokens").GetInt32();
        }
        // A stream: the gateway reads its usage from the last chunk, and its first byte is the time to first token.
        using (var stream = await gateway.PostAsync("/v1/chat/completions",
                   """{"model":"metrics-chat","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hello there"}]}"""))
        {
            var text = await stream.Content.ReadAsStringAsync();
            var usageChunk = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e.Trim()["data: ".Length..]).SkipLast(1).Last();
            using var usage = JsonDocument.Parse(usageChunk);
            prompt += usage.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32();
            completion += usage.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
        }
        completion.Should().Be(4 * 5);

        var scrape = await PrometheusScrape.WhenAsync(gateway.AdminUrl, m =>
            m.Sum("llm_router_requests_total", "group=metrics-chat") >= 4 &&
            m.Sum("gen_ai_client_token_usage_count", "endpoint=metrics-chat-1") >= 8 &&
            // In-flight comes from the endpoint's pushed snapshots (every 100 ms at most), not from this node's requests.
            m.Find("llm_router_endpoint_in_flight", "endpoint=metrics-chat-1").Any(s => s.Value == 0));

        scrape.Sum("llm_router_requests_total", "group=metrics-chat", "outcome=success").Should().Be(4);
        scrape.Find("llm_router_requests_total", "group=metrics-chat").Should().ContainSingle("every request succeeded");
        scrape.Sum("llm_router_attempts_total", "group=metrics-chat", "endpoint=metrics-chat-1", "outcome=success").Should().Be(4);
        scrape.Sum("llm_router_retries_total", "group=metrics-chat").Should().Be(0);

        // GenAI conventions: token usage per token type, with the operation, model, provider and server address.
        const string usageMetric = "gen_ai_client_token_usage_sum";
        var input = scrape.Find(usageMetric, "gen_ai_token_type=input", "endpoint=metrics-chat-1").Should().ContainSingle().Subject;
        input.Value.Should().Be(prompt, "the input tokens are the prompt tokens the simulator reported");
        input.Labels["gen_ai_operation_name"].Should().Be("chat");
        input.Labels["gen_ai_request_model"].Should().Be("metrics-chat");
        input.Labels["gen_ai_provider_name"].Should().Be("openai");
        input.Labels["server_address"].Should().Be("127.0.0.1");
        scrape.Sum(usageMetric, "gen_ai_token_type=output", "endpoint=metrics-chat-1").Should().Be(completion);
        scrape.Sum("gen_ai_client_token_usage_count", "gen_ai_token_type=output", "endpoint=metrics-chat-1").Should().Be(4);

        scrape.Sum("gen_ai_server_request_duration_seconds_count", "gen_ai_request_model=metrics-chat", "gen_ai_operation_name=chat").Should().Be(4);
        scrape.Find("gen_ai_server_request_duration_seconds_count", "gen_ai_request_model=metrics-chat")
            .Should().OnlyContain(s => !s.Labels.ContainsKey("error_type"), "no request failed");
        scrape.Sum("gen_ai_server_request_duration_seconds_sum", "gen_ai_request_model=metrics-chat").Should().BeGreaterThan(0);
        scrape.Sum("gen_ai_server_time_to_first_token_seconds_count", "gen_ai_request_model=metrics-chat").Should().Be(1, "one request was a stream");
        scrape.Sum("gen_ai_client_operation_duration_seconds_count", "endpoint=metrics-chat-1").Should().Be(4);

        // The routing core's own: every decision granted at the first endpoint asked.
        scrape.Sum("llm_router_routing_duration_seconds_count", "group=metrics-chat", "outcome=granted").Should().Be(4);
        scrape.Sum("llm_router_lease_acquire_duration_seconds_count", "endpoint=metrics-chat-1", "outcome=granted").Should().Be(4);
        scrape.Sum("llm_router_requests_active", "group=metrics-chat").Should().Be(0);
        scrape.Find("llm_router_endpoint_in_flight", "endpoint=metrics-chat-1").Should().ContainSingle().Which.Value.Should().Be(0);
        scrape.Find("llm_router_endpoint_in_flight_limit", "endpoint=metrics-chat-1").Should().BeEmpty("the endpoint has no MaxInFlight");
    }

    [Fact]
    public async Task A_failed_attempt_is_counted_with_its_retry_the_open_breaker_and_a_fallback()
    {
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("r-bad", o => { o.ErrorRate = 1; o.ErrorStatus = 500; })
            .Sim("r-good")
            .Group("metrics-retry", "round-robin")
            .Endpoint("metrics-retry", "metrics-bad", "r-bad")
            .Endpoint("metrics-retry", "metrics-good", "r-good")
            .Group("metrics-fb", "round-robin", "metrics-retry")
            .Endpoint("metrics-fb", "metrics-fb-bad", "r-bad")
            // One failure opens an endpoint's breaker: the failing endpoints are tried exactly once.
            .Set("Router:FailureThreshold", 1)
            .Set("Admin:Token", AdminToken));

        for (var i = 0; i < 3; i++)
        {
            using var response = await gateway.ChatAsync("metrics-retry");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
        }
        using (var fellBack = await gateway.ChatAsync("metrics-fb"))
            fellBack.StatusCode.Should().Be(HttpStatusCode.OK);

        var scrape = await PrometheusScrape.WhenAsync(gateway.AdminUrl, m =>
            m.Sum("llm_router_requests_total", "group=metrics-fb") >= 1 &&
            m.Sum("llm_router_endpoint_breaker_state", "endpoint=metrics-fb-bad") == 1);

        scrape.Sum("llm_router_requests_total", "group=metrics-retry", "outcome=success").Should().Be(3);
        scrape.Sum("llm_router_requests_total", "group=metrics-fb", "outcome=success").Should().Be(1);
        scrape.Sum("llm_router_attempts_total", "endpoint=metrics-bad", "outcome=server_error").Should().Be(1);
        scrape.Sum("llm_router_attempts_total", "endpoint=metrics-fb-bad", "outcome=server_error").Should().Be(1);
        scrape.Sum("llm_router_attempts_total", "endpoint=metrics-good", "outcome=success").Should().Be(4);
        // A retry is any attempt after a request's first: the first request's second attempt, and the fallback request's
        // attempt in its fallback group.
        scrape.Sum("llm_router_retries_total", "group=metrics-retry", "endpoint=metrics-good").Should().Be(2);
        scrape.Sum("llm_router_fallbacks_total", "group=metrics-fb", "fallback_group=metrics-retry").Should().Be(1);
        scrape.Sum("gen_ai_client_operation_duration_seconds_count", "endpoint=metrics-bad", "error_type=server_error").Should().Be(1);
        scrape.Sum("llm_router_endpoint_breaker_state", "endpoint=metrics-bad").Should().Be(1, "open: cooling down after its failure");
        scrape.Sum("llm_router_endpoint_breaker_state", "endpoint=metrics-good").Should().Be(0);
    }

    [Fact]
    public async Task In_flight_cap_rpm_and_capacity_waits_are_reported_per_endpoint()
    {
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("slow", o => o.LatencyMs = 3000)
            .Group("metrics-cap").Endpoint("metrics-cap", "metrics-cap-1", "slow", maxInFlight: 1)
            .Set("ModelGroups:metrics-cap:Endpoints:metrics-cap-1:Rpm", 100)
            .Set("ModelGroups:metrics-cap:Endpoints:metrics-cap-1:Tpm", 50000)
            .Set("Admin:Token", AdminToken));

        // Two at once on a cap of 1: one runs, the other waits for capacity.
        var first = gateway.ChatAsync("metrics-cap");
        var second = gateway.ChatAsync("metrics-cap");
        var busy = await PrometheusScrape.WhenAsync(gateway.AdminUrl, m =>
            m.Sum("llm_router_endpoint_in_flight", "endpoint=metrics-cap-1") == 1 &&
            m.Sum("llm_router_requests_active", "group=metrics-cap") == 2);
        busy.Sum("llm_router_endpoint_in_flight_limit", "group=metrics-cap", "endpoint=metrics-cap-1").Should().Be(1);
        busy.Sum("llm_router_endpoint_requests_per_minute_limit", "endpoint=metrics-cap-1").Should().Be(100);
        busy.Sum("llm_router_endpoint_tokens_per_minute_limit", "endpoint=metrics-cap-1").Should().Be(50000);

        using (var a = await first) a.StatusCode.Should().Be(HttpStatusCode.OK);
        using (var b = await second) b.StatusCode.Should().Be(HttpStatusCode.OK);
        var idle = await PrometheusScrape.WhenAsync(gateway.AdminUrl, m =>
            m.Sum("llm_router_endpoint_in_flight", "endpoint=metrics-cap-1") == 0 &&
            m.Sum("llm_router_requests_total", "group=metrics-cap") == 2 &&
            m.Sum("llm_router_endpoint_requests_per_minute", "endpoint=metrics-cap-1") == 2);

        var endpointState = await gateway.StateOf("metrics-cap-1");
        idle.Sum("llm_router_endpoint_tokens_per_minute", "endpoint=metrics-cap-1").Should().Be(endpointState.TokensLastMinute).And.BeGreaterThan(0);
        idle.Sum("llm_router_requests_active", "group=metrics-cap").Should().Be(0);
        idle.Sum("llm_router_capacity_waits_total", "group=metrics-cap").Should().BeGreaterThan(0, "the second request waited for the first");
        idle.Sum("llm_router_capacity_wait_time_seconds_total", "group=metrics-cap").Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task Metrics_are_served_on_the_admin_listener_without_the_token_while_admin_calls_still_need_it()
    {
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("t-sim")
            .Group("metrics-auth").Endpoint("metrics-auth", "metrics-auth-1", "t-sim")
            .Set("Admin:Token", AdminToken));

        using (var scrape = await TestGateway.Http.GetAsync(gateway.AdminUrl + "/metrics"))
        {
            scrape.StatusCode.Should().Be(HttpStatusCode.OK);
            (await scrape.Content.ReadAsStringAsync()).Should().Contain("llm_router_endpoint_in_flight{");
        }
        using (var admin = await TestGateway.Http.GetAsync(gateway.AdminUrl + "/admin/router/stats"))
            admin.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "the admin API still needs its token");
        using (var onGateway = await TestGateway.Http.GetAsync(gateway.BaseUrl + "/metrics"))
            await onGateway.OpenAiErrorAsync(HttpStatusCode.NotFound, "unknown_url");
    }

    [Fact]
    public async Task With_telemetry_off_there_is_no_metrics_endpoint_and_requests_are_served_as_before()
    {
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("off-sim")
            .Group("metrics-off").Endpoint("metrics-off", "metrics-off-1", "off-sim")
            .Set("Telemetry:Enabled", false)
            .Set("Admin:Token", AdminToken));

        using (var response = await gateway.ChatAsync("metrics-off"))
            response.StatusCode.Should().Be(HttpStatusCode.OK);
        using var scrape = await TestGateway.Http.GetAsync(gateway.AdminUrl + "/metrics");
        scrape.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }
}
