using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Router.Simulator;

namespace Router.Node.Tests;

/// <summary>One gateway, one group "m" over two recording simulators.</summary>
public sealed class RouteGateway : IAsyncLifetime
{
    public TestGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Gateway = await TestGateway.StartAsync(s => s
            .Sim("a", o => { o.RecordRequests = true; o.CompletionTokens = 4; })
            .Sim("b", o => { o.RecordRequests = true; o.CompletionTokens = 4; })
            .Group("m")
            .Endpoint("m", "m-a", "a")
            .Endpoint("m", "m-b", "b")
            .Group("org/model-7b")
            .Endpoint("org/model-7b", "org-1", "a")
            .Group("whisper")
            .Endpoint("whisper", "whisper-1", "b")
            .Set("ModelGroups:whisper:Endpoints:whisper-1:UpstreamModel", "openai/whisper-large-v3"));

    public Task DisposeAsync() => Gateway.DisposeAsync().AsTask();
}

/// <summary>Every OpenAI route a client calls is routed by model; everything else answers an OpenAI-shaped error.</summary>
public sealed class RouteTests(RouteGateway fixture) : IClassFixture<RouteGateway>
{
    private readonly TestGateway _gateway = fixture.Gateway;

    /// <summary>The request the simulator behind <paramref name="response"/> recorded last on <paramref name="path"/>.</summary>
    private SimulatorRequest UpstreamSaw(HttpResponseMessage response, string path)
    {
        response.Endpoint().Should().BeOneOf("m-a", "m-b");
        var sim = _gateway.Sim(response.SimName());
        return sim.State.Recorded.Last(r => r.Path == path);
    }

    [Fact]
    public async Task Responses_api_json_is_routed_by_the_model_in_the_body()
    {
        const string body = """{"model":"m","input":"Say hello in two words","max_output_tokens":3}""";

        using var response = await _gateway.PostAsync("/v1/responses", body);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var json = await response.JsonAsync();
        json.GetProperty("object").GetString().Should().Be("response");
        json.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString().Should().Be("tok tok tok");
        json.GetProperty("usage").GetProperty("output_tokens").GetInt32().Should().Be(3);
        UpstreamSaw(response, "/v1/responses").BodyText.Should().Be(body, "a JSON body the gateway need not change goes upstream byte for byte");
    }

    [Fact]
    public async Task Responses_api_stream_passes_the_typed_events_through_and_charges_the_reported_usage()
    {
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("r", o => o.CompletionTokens = 6)
            .Group("resp").Endpoint("resp", "resp-1", "r"));
        const string body = """{"model":"resp","input":[{"role":"user","content":[{"type":"input_text","text":"twelve chars"}]}],"stream":true}""";

        using var response = await gateway.PostAsync("/v1/responses", body);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        var events = ParseTypedEvents(await response.Content.ReadAsStringAsync());
        events.Select(e => e.Event).Should().StartWith(["response.created", "response.in_progress", "response.output_item.added"])
            .And.EndWith(["response.output_item.done", "response.completed"]);
        events.Should().OnlyContain(e => e.Data.GetProperty("type").GetString() == e.Event);
        string.Concat(events.Where(e => e.Event == "response.output_text.delta").Select(e => e.Data.GetProperty("delta").GetString()))
            .Should().Be("tok tok tok tok tok tok");
        var usage = events[^1].Data.GetProperty("response").GetProperty("usage");
        var total = usage.GetProperty("input_tokens").GetInt32() + usage.GetProperty("output_tokens").GetInt32();
        total.Should().Be(3 + 6, "12 characters of input are 3 tokens to the simulator, plus 6 output tokens");

        var state = await gateway.StateWhen("resp-1", s => s.InFlight == 0 && s.TotalRequests == 1 && s.TokensLastMinute == total);
        state.TokensLastMinute.Should().Be(total, "tpm is charged with the usage in response.completed, not the size estimate");
    }

    [Fact]
    public async Task Model_lookup_answers_the_model_object_or_an_openai_404()
    {
        using var known = await TestGateway.Http.GetAsync(_gateway.BaseUrl + "/v1/models/m");
        known.StatusCode.Should().Be(HttpStatusCode.OK);
        var model = await known.JsonAsync();
        model.GetProperty("id").GetString().Should().Be("m");
        model.GetProperty("object").GetString().Should().Be("model");
        model.GetProperty("owned_by").GetString().Should().NotBeNullOrEmpty();
        model.TryGetProperty("created", out _).Should().BeTrue();

        using var unknown = await TestGateway.Http.GetAsync(_gateway.BaseUrl + "/v1/models/gpt-99");
        var error = await unknown.OpenAiErrorAsync(HttpStatusCode.NotFound, "model_not_found");
        error.GetProperty("message").GetString().Should().Contain("gpt-99");
    }

    [Theory]
    [InlineData("/v1/models/org/model-7b")]
    [InlineData("/v1/models/org%2Fmodel-7b")]
    public async Task Model_lookup_takes_names_with_a_slash(string path)
    {
        using var response = await TestGateway.Http.GetAsync(_gateway.BaseUrl + path);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.JsonAsync()).GetProperty("id").GetString().Should().Be("org/model-7b");
    }

    [Theory]
    [InlineData("/v1/moderations", """{"model":"m","input":"is this fine?"}""", "application/json")]
    [InlineData("/v1/images/generations", """{"model":"m","prompt":"a lighthouse","n":2,"response_format":"b64_json"}""", "application/json")]
    [InlineData("/v1/audio/speech", """{"model":"m","input":"read this aloud","voice":"alloy"}""", "audio/mpeg")]
    public async Task Other_model_bearing_json_routes_are_routed_by_model(string path, string body, string expectedType)
    {
        using var response = await _gateway.PostAsync(path, body);

        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        response.Content.Headers.ContentType!.MediaType.Should().Be(expectedType);
        var seen = UpstreamSaw(response, path);
        seen.BodyText.Should().Be(body);
        seen.ContentType.Should().Be("application/json");
        if (path == "/v1/audio/speech") text.Should().Be("SIMULATED-AUDIO:read this aloud");
        if (path == "/v1/images/generations") (await response.JsonAsync()).GetProperty("data").GetArrayLength().Should().Be(2);
        if (path == "/v1/moderations") (await response.JsonAsync()).GetProperty("results")[0].GetProperty("flagged").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task Multipart_transcription_is_routed_by_its_model_field_and_forwarded_byte_for_byte()
    {
        var audio = new byte[3000];
        new Random(7).NextBytes(audio);
        using var form = new MultipartFormDataContent("----router-test-boundary-42");
        form.Add(new ByteArrayContent(audio) { Headers = { ContentType = new MediaTypeHeaderValue("audio/wav") } }, "file", "clip.wav");
        form.Add(new StringContent("m"), "model");
        form.Add(new StringContent("json"), "response_format");
        var sent = await form.ReadAsByteArrayAsync();
        var contentType = form.Headers.ContentType!.ToString();

        using var request = new HttpRequestMessage(HttpMethod.Post, _gateway.BaseUrl + "/v1/audio/transcriptions")
        {
            Content = new ByteArrayContent(sent) { Headers = { { "Content-Type", contentType } } },
        };
        using var response = await TestGateway.Http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        (await response.JsonAsync()).GetProperty("text").GetString().Should().Be("Simulated transcript of clip.wav (3000 bytes).");
        var seen = UpstreamSaw(response, "/v1/audio/transcriptions");
        seen.ContentType.Should().Be(contentType, "the boundary must be the client's");
        seen.Body.Should().Equal(sent);
    }

    [Fact]
    public async Task Multipart_model_field_is_replaced_by_the_endpoints_upstream_model_and_nothing_else_changes()
    {
        using var form = new MultipartFormDataContent("----router-test-boundary-43");
        form.Add(new ByteArrayContent(new byte[500]) { Headers = { ContentType = new MediaTypeHeaderValue("audio/wav") } }, "file", "clip.wav");
        form.Add(new StringContent("whisper"), "model");
        form.Add(new StringContent("en"), "language");
        var sent = await form.ReadAsByteArrayAsync();
        var contentType = form.Headers.ContentType!.ToString();

        using var request = new HttpRequestMessage(HttpMethod.Post, _gateway.BaseUrl + "/v1/audio/transcriptions")
        {
            Content = new ByteArrayContent(sent) { Headers = { { "Content-Type", contentType } } },
        };
        using var response = await TestGateway.Http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        response.Endpoint().Should().Be("whisper-1");
        var seen = _gateway.Sim("b").State.Recorded.Last(r => r.Path == "/v1/audio/transcriptions");
        seen.ContentType.Should().Be(contentType);
        var expected = Encoding.UTF8.GetString(sent).Replace("\r\n\r\nwhisper\r\n", "\r\n\r\nopenai/whisper-large-v3\r\n");
        expected.Should().NotBe(Encoding.UTF8.GetString(sent));
        seen.BodyText.Should().Be(expected);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("multipart/form-data; boundary=xyz")]
    public async Task Transcription_without_a_model_field_is_400(string contentType)
    {
        var before = _gateway.Sim("a").Stats.TotalRequests + _gateway.Sim("b").Stats.TotalRequests;
        using var request = new HttpRequestMessage(HttpMethod.Post, _gateway.BaseUrl + "/v1/audio/transcriptions")
        {
            Content = new ByteArrayContent("--xyz\r\nContent-Disposition: form-data; name=\"language\"\r\n\r\nen\r\n--xyz--\r\n"u8.ToArray())
            {
                Headers = { { "Content-Type", contentType } },
            },
        };
        using var response = await TestGateway.Http.SendAsync(request);

        await response.OpenAiErrorAsync(HttpStatusCode.BadRequest);
        (_gateway.Sim("a").Stats.TotalRequests + _gateway.Sim("b").Stats.TotalRequests).Should().Be(before);
    }

    [Theory]
    [InlineData("GET", "/v1/nothing-here")]
    [InlineData("POST", "/v2/chat/completions")]
    [InlineData("GET", "/")]
    [InlineData("GET", "/admin/cluster")]
    [InlineData("POST", "/admin/endpoints")]
    public async Task Unknown_route_is_an_openai_404(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), _gateway.BaseUrl + path) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        using var response = await TestGateway.Http.SendAsync(request);

        var error = await response.OpenAiErrorAsync(HttpStatusCode.NotFound, "unknown_url");
        error.GetProperty("type").GetString().Should().Be("invalid_request_error");
        error.GetProperty("message").GetString().Should().Contain(path);
    }

    [Theory]
    [InlineData("GET", "/v1/chat/completions", "POST")]
    [InlineData("PUT", "/v1/responses", "POST")]
    [InlineData("DELETE", "/v1/models", "GET")]
    [InlineData("POST", "/v1/models/m", "GET")]
    public async Task Wrong_method_is_an_openai_405(string method, string path, string allowed)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), _gateway.BaseUrl + path);
        using var response = await TestGateway.Http.SendAsync(request);

        await response.OpenAiErrorAsync(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        response.Content.Headers.Allow.Should().Contain(allowed);
    }

    internal static List<(string Event, JsonElement Data)> ParseTypedEvents(string text)
    {
        var events = new List<(string, JsonElement)>();
        foreach (var block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string? name = null, data = null;
            foreach (var line in block.Split('\n'))
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line["event: ".Length..];
                else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line["data: ".Length..];
            }
            name.Should().NotBeNull("every Responses API event is named: {0}", block);
            using var doc = JsonDocument.Parse(data!);
            events.Add((name!, doc.RootElement.Clone()));
        }
        return events;
    }
}
