using System.Net;
using System.Text;
using System.Text.Json;

namespace Router.Node.Tests;

/// <summary>
/// tpm is charged with the tokens the upstream counted: streams are asked for their usage even when the client did
/// not ask (and the client does not see it), and the size estimate does not count base64 payloads as text.
/// </summary>
public sealed class TokenAccountingTests
{
    private static async Task<TestGateway> StartAsync(int completionTokens = 5) =>
        await TestGateway.StartAsync(s => s
            .Sim("s", o => { o.RecordRequests = true; o.CompletionTokens = completionTokens; })
            .Group("acct").Endpoint("acct", "acct-1", "s"));

    private static List<string> DataEvents(string sse) =>
        sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e.Trim()).Select(e => e["data: ".Length..]).ToList();

    [Fact]
    public async Task Chat_stream_without_include_usage_is_asked_for_usage_upstream_and_the_client_sees_no_usage_chunk()
    {
        await using var gateway = await StartAsync();
        // "Hello there" is 11 characters: 2 prompt tokens to the simulator, plus its 5 completion tokens.
        const string body = """{"model":"acct","stream":true,"messages":[{"role":"user","content":"Hello there"}]}""";

        using var response = await gateway.PostAsync("/v1/chat/completions", body);
        var text = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        using (var upstream = JsonDocument.Parse(gateway.Sim("s").State.Recorded.Single().Body))
        {
            upstream.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean().Should().BeTrue();
            upstream.RootElement.GetProperty("messages")[0].GetProperty("content").GetString().Should().Be("Hello there");
        }
        var events = DataEvents(text);
        events.Should().HaveCount(1 + 5 + 1 + 1, "role, five tokens, finish, [DONE]: what the client gets without include_usage");
        events[^1].Should().Be("[DONE]");
        text.Should().NotContain("usage", "neither the usage chunk nor the \"usage\":null members are the client's");
        foreach (var e in events.SkipLast(1))
        {
            using var chunk = JsonDocument.Parse(e);
            chunk.RootElement.GetProperty("choices").GetArrayLength().Should().Be(1);
        }

        var state = await gateway.StateWhen("acct-1", s => s.InFlight == 0 && s.TotalRequests == 1 && s.TokensLastMinute == 7);
        state.TokensLastMinute.Should().Be(2 + 5, "tpm holds the upstream's usage, not the body-size estimate");
    }

    [Fact]
    public async Task Client_that_asked_for_usage_gets_its_usage_chunk_and_an_unchanged_body()
    {
        await using var gateway = await StartAsync();
        const string body = """{"model":"acct","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hello there"}]}""";

        using var response = await gateway.PostAsync("/v1/chat/completions", body);
        var events = DataEvents(await response.Content.ReadAsStringAsync());

        gateway.Sim("s").State.Recorded.Single().BodyText.Should().Be(body);
        using var usage = JsonDocument.Parse(events[^2]);
        usage.RootElement.GetProperty("choices").GetArrayLength().Should().Be(0);
        usage.RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt32().Should().Be(7);
    }

    [Theory]
    [InlineData("""{"model":"acct","stream":true,"stream_options":{},"prompt":"abcd"}""", """{"include_usage":true}""")]
    [InlineData("""{"model":"acct","stream":true,"stream_options":null,"prompt":"abcd"}""", """{"include_usage":true}""")]
    [InlineData("""{"model":"acct","stream":true,"stream_options":{"include_usage":false},"prompt":"abcd"}""", """{"include_usage":true}""")]
    [InlineData("""{"model":"acct","stream":true,"stream_options":{"include_obfuscation":false},"prompt":"abcd"}""", """{"include_usage":true,"include_obfuscation":false}""")]
    public async Task Completions_stream_options_are_completed_not_replaced(string body, string expectedOptions)
    {
        await using var gateway = await StartAsync(completionTokens: 3);

        using var response = await gateway.PostAsync("/v1/completions", body);
        var text = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        using var upstream = JsonDocument.Parse(gateway.Sim("s").State.Recorded.Single().Body);
        upstream.RootElement.GetProperty("stream_options").GetRawText().Should().Be(expectedOptions);
        text.Should().NotContain("\"usage\"");
        DataEvents(text).Should().HaveCount(3 + 1 + 1, "three tokens, finish, [DONE]");
        var state = await gateway.StateWhen("acct-1", s => s.InFlight == 0 && s.TokensLastMinute == 1 + 3);
        state.TokensLastMinute.Should().Be(1 + 3);
    }

    [Fact]
    public async Task Request_with_a_600_KB_base64_image_fits_an_8000_token_context_window()
    {
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("vision", o => o.RecordRequests = true)
            .Group("vision").Endpoint("vision", "vision-1", "vision", contextWindow: 8000));
        var image = new byte[450_000];
        new Random(3).NextBytes(image);
        var dataUrl = "data:image/png;base64," + Convert.ToBase64String(image);
        var body = JsonSerializer.Serialize(new
        {
            model = "vision",
            messages = new object[]
            {
                new
                {
                    role = "user",
                    content = new object[]
                    {
                        new { type = "text", text = "What is in this picture?" },
                        new { type = "image_url", image_url = new { url = dataUrl, detail = "high" } },
                    },
                },
            },
        });
        body.Length.Should().BeGreaterThan(600_000);

        using var response = await gateway.PostAsync("/v1/chat/completions", body);

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        response.Endpoint().Should().Be("vision-1");
        gateway.Sim("vision").State.Recorded.Single().Body.Length.Should().Be(Encoding.UTF8.GetByteCount(body));
    }

    [Fact]
    public void Estimate_counts_text_and_a_fixed_figure_per_payload()
    {
        var audio = Convert.ToBase64String(new byte[30_000]);
        var image = "data:image/jpeg;base64," + Convert.ToBase64String(new byte[30_000]);
        var text = string.Concat(Enumerable.Repeat("word ", 800));
        var body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            model = "m",
            messages = new object[]
            {
                new { role = "user", content = text },
                new { role = "user", content = new object[] { new { type = "input_audio", input_audio = new { data = audio, format = "wav" } } } },
                new { role = "user", content = new object[] { new { type = "image_url", image_url = new { url = image } } } },
            },
        }));

        Gateway.OpenAiRequest.TryParse(body, out var request, out var error).Should().BeTrue(error);

        var textTokens = (body.Length - audio.Length - image.Length) / 4;
        request.EstimatedPromptTokens.Should().Be(textTokens + 2 * Gateway.OpenAiRequest.PayloadTokens);
        request.EstimatedPromptTokens.Should().BeLessThan(4000 / 4 + 2000);
    }
}
