using System.Diagnostics;
using System.Net;
using System.Text.Json;
using static Router.Simulator.Tests.TestHelpers;

namespace Router.Simulator.Tests;

/// <summary>Wire behaviour checked with a plain HttpClient.</summary>
public sealed class HttpBehaviourTests
{
    [Fact]
    public async Task Models_lists_the_name_in_openai_shape()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions { Name = "backend-a" });

        using var response = await Http.GetAsync(sim.BaseUrl + "/v1/models");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        SimName(response).Should().Be("backend-a");
        var json = await ReadJsonAsync(response);
        json.GetProperty("object").GetString().Should().Be("list");
        var model = json.GetProperty("data").EnumerateArray().Should().ContainSingle().Subject;
        model.GetProperty("id").GetString().Should().Be("backend-a");
        model.GetProperty("object").GetString().Should().Be("model");
        model.GetProperty("owned_by").GetString().Should().Be("simulator");
        model.GetProperty("created").GetInt64().Should().BePositive();
    }

    [Fact]
    public async Task Base_url_is_the_bound_address_with_a_real_port()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions());

        var uri = new Uri(sim.BaseUrl);
        uri.Host.Should().Be("127.0.0.1");
        uri.Port.Should().BePositive();
        sim.BaseUrl.Should().NotEndWith("/");
        sim.ApiBaseUrl.Should().Be(sim.BaseUrl + "/v1");
    }

    [Theory]
    [InlineData(429, "rate_limit_exceeded", "rate_limit_exceeded", true)]
    [InlineData(503, "server_error", null, true)]
    [InlineData(500, "server_error", null, false)]
    public async Task ErrorRate_one_fails_every_request_with_openai_error_and_retry_after(
        int status, string type, string? code, bool expectRetryAfter)
    {
        await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions
        {
            Name = "flaky", ErrorRate = 1, ErrorStatus = status, RetryAfterSeconds = 3,
        });

        for (var i = 0; i < 3; i++)
        {
            using var response = await PostJsonAsync(sim, "/v1/chat/completions", ChatBody);

            ((int)response.StatusCode).Should().Be(status);
            SimName(response).Should().Be("flaky");
            if (expectRetryAfter) response.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(3));
            else response.Headers.RetryAfter.Should().BeNull();
            var error = await ReadOpenAiErrorAsync(response);
            error.GetProperty("type").GetString().Should().Be(type);
            error.GetProperty("code").GetString().Should().Be(code);
        }

        sim.Stats.InjectedErrors.Should().Be(3);
        sim.Stats.Errors.Should().Be(3);
    }

    [Fact]
    public async Task RateLimitRequests_announces_openai_ratelimit_headers_then_answers_429_once_used_up()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions { Name = "limited", RateLimitRequests = 2, RateLimitWindowMs = 60_000 });

        for (var expectedRemaining = 1; expectedRemaining >= 0; expectedRemaining--)
        {
            using var ok = await PostJsonAsync(sim, "/v1/chat/completions", ChatBody);
            ok.StatusCode.Should().Be(System.Net.HttpStatusCode.OK);
            ok.Headers.GetValues("x-ratelimit-limit-requests").Single().Should().Be("2");
            ok.Headers.GetValues("x-ratelimit-remaining-requests").Single().Should().Be(expectedRemaining.ToString(System.Globalization.CultureInfo.InvariantCulture));
            ok.Headers.GetValues("x-ratelimit-reset-requests").Single().Should().MatchRegex(@"^(\d+m\d+s|[\d.]+s|\d+ms)$");
        }

        using var refused = await PostJsonAsync(sim, "/v1/chat/completions", ChatBody);
        ((int)refused.StatusCode).Should().Be(429);
        refused.Headers.GetValues("x-ratelimit-remaining-requests").Single().Should().Be("0");
        refused.Headers.RetryAfter!.Delta.Should().BeGreaterThan(TimeSpan.Zero);
        (await ReadOpenAiErrorAsync(refused)).GetProperty("code").GetString().Should().Be("rate_limit_exceeded");
        sim.Stats.RateLimited.Should().Be(1);
    }

    [Fact]
    public async Task RateLimit_window_resets_after_RateLimitWindowMs()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions { Name = "limited", RateLimitRequests = 1, RateLimitWindowMs = 1_000 });
        using (var first = await PostJsonAsync(sim, "/v1/chat/completions", ChatBody)) first.StatusCode.Should().Be(System.Net.HttpStatusCode.OK);
        using (var second = await PostJsonAsync(sim, "/v1/chat/completions", ChatBody)) ((int)second.StatusCode).Should().Be(429);

        await Task.Delay(1_100); // the window is from the first request, so this is past its end

        using var third = await PostJsonAsync(sim, "/v1/chat/completions", ChatBody);
        third.StatusCode.Should().Be(System.Net.HttpStatusCode.OK);
        third.Headers.GetValues("x-ratelimit-remaining-requests").Single().Should().Be("0");
    }

    [Fact]
    public async Task Malformed_json_gives_400_invalid_request_error()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions { Name = "strict" });

        using var response = await PostJsonAsync(sim, "/v1/chat/completions", """{"model":"m","messages":[""");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        SimName(response).Should().Be("strict");
        var error = await ReadOpenAiErrorAsync(response);
        error.GetProperty("type").GetString().Should().Be("invalid_request_error");
        error.GetProperty("code").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Theory]
    [InlineData("/v1/chat/completions", """{"model":"m"}""")]
    [InlineData("/v1/chat/completions", """{"model":"m","messages":"hello"}""")]
    [InlineData("/v1/chat/completions", """[1,2,3]""")]
    [InlineData("/v1/chat/completions", "")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"x"}],"max_tokens":0}""")]
    [InlineData("/v1/completions", """{"model":"m"}""")]
    [InlineData("/v1/embeddings", """{"model":"m","input":[]}""")]
    [InlineData("/v1/embeddings", """{"model":"m"}""")]
    public async Task Invalid_requests_give_400(string path, string body)
    {
        await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions());

        using var response = await PostJsonAsync(sim, path, body);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await ReadOpenAiErrorAsync(response)).GetProperty("type").GetString().Should().Be("invalid_request_error");
        sim.Stats.Errors.Should().Be(1);
    }

    [Fact]
    public async Task Required_api_key_is_enforced()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions { RequiredApiKey = "k-123", LatencyMs = 0 });

        using var missing = await PostJsonAsync(sim, "/v1/chat/completions", ChatBody);
        using var wrong = await PostJsonAsync(sim, "/v1/chat/completions", ChatBody, apiKey: "k-999");
        using var right = await PostJsonAsync(sim, "/v1/chat/completions", ChatBody, apiKey: "k-123");
        using var models = await Http.GetAsync(sim.BaseUrl + "/v1/models");

        missing.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        wrong.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        models.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await ReadOpenAiErrorAsync(wrong)).GetProperty("code").GetString().Should().Be("invalid_api_key");
        (await ReadOpenAiErrorAsync(missing)).GetProperty("type").GetString().Should().Be("invalid_request_error");
        right.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Non_streaming_chat_has_openai_shape()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions { CompletionTokens = 3, LatencyMs = 0 });

        using var response = await PostJsonAsync(sim, "/v1/chat/completions",
            """{"model":"gpt-test","messages":[{"role":"system","content":"12345678"},{"role":"user","content":[{"type":"text","text":"abcdefgh"}]}]}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var json = await ReadJsonAsync(response);
        json.GetProperty("object").GetString().Should().Be("chat.completion");
        json.GetProperty("model").GetString().Should().Be("gpt-test");
        var choice = json.GetProperty("choices")[0];
        choice.GetProperty("message").GetProperty("role").GetString().Should().Be("assistant");
        choice.GetProperty("message").GetProperty("content").GetString().Should().Be("tok tok tok");
        choice.GetProperty("finish_reason").GetString().Should().Be("stop");
        var usage = json.GetProperty("usage");
        usage.GetProperty("prompt_tokens").GetInt32().Should().Be(4, "16 characters of content / 4");
        usage.GetProperty("completion_tokens").GetInt32().Should().Be(3);
        usage.GetProperty("total_tokens").GetInt32().Should().Be(7);
    }

    [Fact]
    public async Task Text_completions_work_non_streaming_and_streaming()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions
        {
            CompletionTokens = 3, LatencyMs = 0, TimeToFirstTokenMs = 0, TokensPerSecond = 0,
        });

        using var plain = await PostJsonAsync(sim, "/v1/completions", """{"model":"legacy","prompt":["abcd","efgh"]}""");
        var json = await ReadJsonAsync(plain);
        json.GetProperty("object").GetString().Should().Be("text_completion");
        json.GetProperty("model").GetString().Should().Be("legacy");
        json.GetProperty("choices")[0].GetProperty("text").GetString().Should().Be("tok tok tok");
        json.GetProperty("usage").GetProperty("prompt_tokens").GetInt32().Should().Be(2);

        using var streamed = await PostJsonAsync(sim, "/v1/completions",
            """{"model":"legacy","prompt":"abcd","stream":true,"stream_options":{"include_usage":true}}""");
        streamed.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        var events = await ReadSseAsync(streamed);
        events.Last().Should().Be("[DONE]");
        var chunks = events.SkipLast(1).Select(e => JsonDocument.Parse(e).RootElement).ToList();
        chunks.Should().OnlyContain(c => c.GetProperty("object").GetString() == "text_completion");
        string.Concat(chunks.Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0].GetProperty("text").GetString())).Should().Be("tok tok tok");
        chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString().Should().Be("stop");
        chunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32().Should().Be(3);
    }

    [Fact]
    public async Task Streaming_chat_without_include_usage_has_no_usage_chunk()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions
        {
            CompletionTokens = 2, TimeToFirstTokenMs = 0, TokensPerSecond = 0,
        });

        using var response = await PostJsonAsync(sim, "/v1/chat/completions",
            """{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}""");

        var events = await ReadSseAsync(response);
        // role chunk, 2 token chunks, finish chunk, [DONE]
        events.Should().HaveCount(5);
        events[^1].Should().Be("[DONE]");
        var chunks = events.SkipLast(1).Select(e => JsonDocument.Parse(e).RootElement).ToList();
        chunks.Should().AllSatisfy(c =>
        {
            c.GetProperty("object").GetString().Should().Be("chat.completion.chunk");
            c.TryGetProperty("usage", out _).Should().BeFalse();
        });
        chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString().Should().Be("assistant");
        chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString().Should().Be("stop");
    }

    [Fact]
    public async Task Streaming_is_not_buffered()
    {
        // 5 tokens at 5 tokens/s: about 800 ms between the first and the last token.
        await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions
        {
            CompletionTokens = 5, TimeToFirstTokenMs = 0, TokensPerSecond = 5,
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, sim.BaseUrl + "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}""",
                System.Text.Encoding.UTF8, "application/json"),
        };

        var stopwatch = Stopwatch.StartNew();
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        TimeSpan? firstChunk = null;
        var dataLines = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            firstChunk ??= stopwatch.Elapsed;
            dataLines++;
        }
        var total = stopwatch.Elapsed;

        dataLines.Should().Be(1 + 5 + 1 + 1, "role chunk, 5 tokens, finish chunk, [DONE]");
        total.Should().BeGreaterThan(TimeSpan.FromMilliseconds(600));
        firstChunk.Should().NotBeNull();
        firstChunk!.Value.Should().BeLessThan(total / 2);
    }

    [Fact]
    public async Task Embeddings_support_base64_encoding()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions { LatencyMs = 0 });

        using var floats = await PostJsonAsync(sim, "/v1/embeddings", """{"model":"e","input":"hello"}""");
        using var base64 = await PostJsonAsync(sim, "/v1/embeddings", """{"model":"e","input":"hello","encoding_format":"base64"}""");

        var floatJson = await ReadJsonAsync(floats);
        floatJson.GetProperty("object").GetString().Should().Be("list");
        floatJson.GetProperty("usage").GetProperty("prompt_tokens").GetInt32().Should().Be(1);
        var expected = floatJson.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        var bytes = Convert.FromBase64String((await ReadJsonAsync(base64)).GetProperty("data")[0].GetProperty("embedding").GetString()!);
        var decoded = Enumerable.Range(0, bytes.Length / 4).Select(i => BitConverter.ToSingle(bytes, i * 4)).ToArray();
        decoded.Should().Equal(expected);
    }

    [Fact]
    public async Task Dispose_stops_the_server()
    {
        var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions());
        var url = sim.BaseUrl + "/v1/models";
        (await Http.GetAsync(url)).StatusCode.Should().Be(HttpStatusCode.OK);

        await sim.DisposeAsync();
        await sim.DisposeAsync(); // idempotent

        var after = async () => await Http.GetAsync(url);
        await after.Should().ThrowAsync<HttpRequestException>();
    }

    [Fact]
    public async Task Dispose_ends_a_slow_in_flight_stream_quickly()
    {
        var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions { CompletionTokens = 1000, TimeToFirstTokenMs = 0, TokensPerSecond = 2 });
        using var request = new HttpRequestMessage(HttpMethod.Post, sim.BaseUrl + "/v1/chat/completions")
        {
            Content = new StringContent("""{"stream":true,"messages":[{"role":"user","content":"hi"}]}"""),
        };
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        sim.Stats.CurrentInFlight.Should().Be(1);

        var stopwatch = Stopwatch.StartNew();
        await sim.DisposeAsync();

        stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(4));
        sim.Stats.CurrentInFlight.Should().Be(0);
    }

    internal static async Task<List<string>> ReadSseAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        return body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Trim())
            .Where(e => e.Length > 0)
            .Select(e => e.StartsWith("data: ", StringComparison.Ordinal) ? e["data: ".Length..] : throw new FormatException(e))
            .ToList();
    }
}
