using System.Net;
using System.Text;

namespace Router.Node.Tests;

/// <summary>
/// One gateway with a model group per failure mode. Each test uses its own group, so breakers opened by one
/// test never change what another sees.
/// </summary>
public sealed class ErrorGateway : IAsyncLifetime
{
    public const int MaxBodyBytes = 1024;
    public const string UpstreamOnlyKey = "sk-upstream-only";
    public TestGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Gateway = await TestGateway.StartAsync(s => s
            .Sim("plain")
            .Sim("failing", o => { o.ErrorRate = 1; o.ErrorStatus = 500; })
            .Sim("throttling", o => { o.ErrorRate = 1; o.ErrorStatus = 429; o.RetryAfterSeconds = 7; })
            .Sim("locked", o => o.RequiredApiKey = UpstreamOnlyKey)
            .Sim("slow", o => o.LatencyMs = 2000)
            .Sim("stalling", o => o.TimeToFirstTokenMs = 3000)
            .Group("ok").Endpoint("ok", "ok-1", "plain")
            .Group("tiny").Endpoint("tiny", "tiny-1", "plain", contextWindow: 10)
            .Group("all-fail").Endpoint("all-fail", "fail-1", "failing").Endpoint("all-fail", "fail-2", "failing")
            .Group("throttled").Endpoint("throttled", "throttled-1", "throttling")
            .Group("locked").Endpoint("locked", "locked-1", "locked")
            .Group("busy").Endpoint("busy", "busy-1", "slow", maxInFlight: 1)
            .Group("stall").Endpoint("stall", "stall-1", "stalling")
            .Group("aliased").Endpoint("aliased", "aliased-1", "plain", maxInFlight: 1)
            .Set("ModelGroups:aliased:Endpoints:aliased-1:UpstreamModel", "upstream-name")
            .Set("Gateway:MaxRequestBodyBytes", MaxBodyBytes)
            .Set("Router:FirstTokenTimeoutSeconds", 0.5)
            // Answer "no capacity" at once rather than waiting for a slot to free up.
            .Set("Router:CapacityWaitSeconds", 0));

    public Task DisposeAsync() => Gateway.DisposeAsync().AsTask();
}

/// <summary>Every refusal is an OpenAI-shaped error with the status and code a client can act on.</summary>
public sealed class ErrorResponseTests(ErrorGateway fixture) : IClassFixture<ErrorGateway>
{
    private readonly TestGateway _gateway = fixture.Gateway;

    [Fact]
    public async Task Unknown_model_is_404_model_not_found()
    {
        using var response = await _gateway.ChatAsync("no-such-model");

        var error = await response.OpenAiErrorAsync(HttpStatusCode.NotFound, "model_not_found");
        error.GetProperty("message").GetString().Should().Contain("no-such-model");
    }

    [Theory]
    [InlineData("this is not json")]
    [InlineData("""{"model":"ok","messages":[""")]
    [InlineData("""[{"model":"ok"}]""")]
    [InlineData("""{"model":42,"messages":[]}""")]
    [InlineData("""{"model":"ok","stream":"yes","messages":[]}""")]
    [InlineData("""{"model":"ok","messages":[]} trailing""")]
    public async Task Malformed_body_is_400_and_never_reaches_an_upstream(string body)
    {
        var before = _gateway.Sim("plain").Stats.TotalRequests;

        using var response = await _gateway.PostAsync("/v1/chat/completions", body);

        var error = await response.OpenAiErrorAsync(HttpStatusCode.BadRequest);
        error.GetProperty("type").GetString().Should().Be("invalid_request_error");
        _gateway.Sim("plain").Stats.TotalRequests.Should().Be(before);
    }

    [Fact]
    public async Task Missing_model_is_400_saying_so()
    {
        using var response = await _gateway.PostAsync("/v1/chat/completions", """{"messages":[{"role":"user","content":"hi"}]}""");

        var error = await response.OpenAiErrorAsync(HttpStatusCode.BadRequest);
        error.GetProperty("message").GetString().Should().Contain("model");
    }

    [Fact]
    public async Task Body_over_the_limit_is_413()
    {
        using var response = await _gateway.ChatAsync("ok", new string('x', ErrorGateway.MaxBodyBytes * 2));

        await response.OpenAiErrorAsync(HttpStatusCode.RequestEntityTooLarge, "request_too_large");
    }

    [Fact]
    public async Task Chunked_body_over_the_limit_is_413_too()
    {
        // No Content-Length: the limit is only discovered while reading.
        var bytes = Encoding.UTF8.GetBytes(TestGateway.ChatBody("ok", new string('x', ErrorGateway.MaxBodyBytes * 2)));
        using var request = new HttpRequestMessage(HttpMethod.Post, _gateway.BaseUrl + "/v1/chat/completions")
        {
            Content = new StreamContent(new MemoryStream(bytes)),
        };
        request.Headers.TransferEncodingChunked = true;
        request.Content.Headers.ContentType = new("application/json");

        using var response = await TestGateway.Http.SendAsync(request);

        await response.OpenAiErrorAsync(HttpStatusCode.RequestEntityTooLarge, "request_too_large");
    }

    [Fact]
    public async Task Prompt_over_every_context_window_without_fallback_is_400_context_length_exceeded()
    {
        using var response = await _gateway.ChatAsync("tiny", new string('x', 200));

        await response.OpenAiErrorAsync(HttpStatusCode.BadRequest, "context_length_exceeded");
    }

    [Fact]
    public async Task Request_beyond_max_in_flight_is_429_with_retry_after()
    {
        var first = _gateway.ChatAsync("busy");
        await Eventually.Until(() => _gateway.Sim("slow").Stats.CurrentInFlight == 1 || first.IsCompleted, "the first request reaches the upstream");
        first.IsCompleted.Should().BeFalse("the first request holds the only slot for 2 s");

        using var second = await _gateway.ChatAsync("busy");

        await second.OpenAiErrorAsync(HttpStatusCode.TooManyRequests, "rate_limit_exceeded");
        second.Headers.RetryAfter?.Delta.Should().BePositive();
        using var firstResponse = await first;
        firstResponse.StatusCode.Should().Be(HttpStatusCode.OK, "the request holding the slot is unaffected");
        _gateway.Sim("slow").Stats.TotalRequests.Should().Be(1, "the refused request never reached the upstream");
    }

    [Fact]
    public async Task All_endpoints_failing_is_502_carrying_the_upstream_error()
    {
        using var response = await _gateway.ChatAsync("all-fail");

        var error = await response.OpenAiErrorAsync(HttpStatusCode.BadGateway, "upstream_error");
        var message = error.GetProperty("message").GetString();
        message.Should().Contain("500").And.Contain("simulated by failing");
        _gateway.Sim("failing").Stats.TotalRequests.Should().Be(2, "each endpoint is tried once");
    }

    [Fact]
    public async Task Upstream_429_everywhere_is_429_with_the_upstream_retry_after()
    {
        using var response = await _gateway.ChatAsync("throttled");

        await response.OpenAiErrorAsync(HttpStatusCode.TooManyRequests, "rate_limit_exceeded");
        response.Headers.RetryAfter?.Delta.Should().Be(TimeSpan.FromSeconds(7));
    }

    [Fact]
    public async Task Upstream_4xx_is_passed_through_unchanged_and_does_not_trip_the_breaker()
    {
        // The endpoint has no ApiKeyEnv, so the upstream sees no key and answers 401 itself.
        var body = TestGateway.ChatBody("locked");
        using var direct = await TestGateway.Http.PostAsync(_gateway.Sim("locked").ApiBaseUrl + "/chat/completions",
            new StringContent(body, Encoding.UTF8, "application/json"));
        var directBody = await direct.Content.ReadAsStringAsync();
        direct.StatusCode.Should().Be(HttpStatusCode.Unauthorized);

        for (var i = 0; i < 5; i++)
        {
            using var viaGateway = await _gateway.PostAsync("/v1/chat/completions", body, bearer: "client-key");
            viaGateway.StatusCode.Should().Be(direct.StatusCode);
            (await viaGateway.Content.ReadAsStringAsync()).Should().Be(directBody);
            viaGateway.Content.Headers.ContentType?.MediaType.Should().Be("application/json");
            viaGateway.Attempts().Should().Be("1", "a client error is not retried elsewhere");
        }

        // The client's mistake says nothing about the endpoint's health: five 401s, breaker still closed.
        var state = await _gateway.StateWhen("locked-1", s => s.InFlight == 0);
        state.Circuit.Should().Be(Router.Messages.Endpoints.CircuitState.Closed);
        state.TotalFailures.Should().Be(0);
        _gateway.Sim("locked").Stats.TotalRequests.Should().Be(6);
    }

    [Fact]
    public async Task Stream_with_no_first_token_in_time_is_504()
    {
        using var response = await _gateway.ChatAsync("stall", stream: true);

        var error = await response.OpenAiErrorAsync(HttpStatusCode.GatewayTimeout, "upstream_timeout");
        error.GetProperty("message").GetString().Should().Contain("first-token timeout");
    }

    [Fact]
    public async Task Request_over_the_request_timeout_is_504()
    {
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("slow", o => o.LatencyMs = 3000)
            .Group("chat").Endpoint("chat", "slow-1", "slow")
            .Set("Router:RequestTimeoutSeconds", 1));

        using var response = await gateway.ChatAsync("chat");

        var error = await response.OpenAiErrorAsync(HttpStatusCode.GatewayTimeout, "upstream_timeout");
        error.GetProperty("message").GetString().Should().Contain("request timeout");
    }

    [Fact]
    public async Task Body_with_a_comment_sent_to_a_renamed_upstream_model_is_400_and_takes_no_lease()
    {
        // Comments are not JSON: the gateway answers 400 itself (StrictBodyTests), so no lease is ever taken.
        const string body = """{"model":"aliased", /* a comment */ "messages":[{"role":"user","content":"hi"}]}""";
        var before = _gateway.Sim("plain").Stats.TotalRequests;

        using var response = await _gateway.PostAsync("/v1/chat/completions", body);

        await response.OpenAiErrorAsync(HttpStatusCode.BadRequest);
        _gateway.Sim("plain").Stats.TotalRequests.Should().Be(before);
        var state = await _gateway.StateWhen("aliased-1", s => s.InFlight == 0);
        state.InFlight.Should().Be(0, "a lease must not outlive its request (MaxInFlight 1 would block the endpoint for 10 minutes)");
    }
}
