using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using static Router.Simulator.Tests.TestHelpers;

namespace Router.Simulator.Tests;

/// <summary>The Responses API, moderations, images, speech and transcription routes; body-marker failures; recording.</summary>
public sealed class MoreRoutesTests
{
    private static SimulatorOptions Fast(int tokens = 3) => new() { Name = "sim", CompletionTokens = tokens, LatencyMs = 0, TimeToFirstTokenMs = 0, TokensPerSecond = 0 };

    [Fact]
    public async Task Responses_json_has_output_text_and_usage_in_openai_names()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(Fast());

        using var response = await PostJsonAsync(sim, "/v1/responses", """{"model":"m","input":"abcdefgh","instructions":"abcd"}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var json = await ReadJsonAsync(response);
        json.GetProperty("id").GetString().Should().StartWith("resp_");
        json.GetProperty("object").GetString().Should().Be("response");
        json.GetProperty("status").GetString().Should().Be("completed");
        json.GetProperty("model").GetString().Should().Be("m");
        var message = json.GetProperty("output")[0];
        message.GetProperty("type").GetString().Should().Be("message");
        message.GetProperty("role").GetString().Should().Be("assistant");
        message.GetProperty("content")[0].GetProperty("type").GetString().Should().Be("output_text");
        message.GetProperty("content")[0].GetProperty("text").GetString().Should().Be("tok tok tok");
        var usage = json.GetProperty("usage");
        usage.GetProperty("input_tokens").GetInt32().Should().Be(3, "12 characters of input and instructions");
        usage.GetProperty("output_tokens").GetInt32().Should().Be(3);
        usage.GetProperty("total_tokens").GetInt32().Should().Be(6);
    }

    [Fact]
    public async Task Responses_stream_sends_typed_events_from_created_to_completed_with_usage()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(Fast(tokens: 2));

        using var response = await PostJsonAsync(sim, "/v1/responses",
            """{"model":"m","input":[{"role":"user","content":"abcd"}],"stream":true}""");

        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        var blocks = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        var events = blocks.Select(b =>
        {
            var lines = b.Split('\n');
            lines[0].Should().StartWith("event: ");
            lines[1].Should().StartWith("data: ");
            return (Name: lines[0]["event: ".Length..], Data: JsonDocument.Parse(lines[1]["data: ".Length..]).RootElement);
        }).ToList();
        events.Select(e => e.Name).Should().Equal(
            "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
            "response.output_text.delta", "response.output_text.delta", "response.output_text.done", "response.content_part.done",
            "response.output_item.done", "response.completed");
        events.Select(e => e.Data.GetProperty("sequence_number").GetInt32()).Should().Equal(Enumerable.Range(0, events.Count));
        events.Should().OnlyContain(e => e.Data.GetProperty("type").GetString() == e.Name);
        string.Concat(events.Where(e => e.Name == "response.output_text.delta").Select(e => e.Data.GetProperty("delta").GetString())).Should().Be("tok tok");
        var completed = events[^1].Data.GetProperty("response");
        completed.GetProperty("status").GetString().Should().Be("completed");
        completed.GetProperty("usage").GetProperty("output_tokens").GetInt32().Should().Be(2);
        completed.GetProperty("usage").GetProperty("input_tokens").GetInt32().Should().Be(1);
    }

    [Fact]
    public async Task Moderations_images_and_speech_answer_in_openai_shapes()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(Fast());

        using var moderation = await PostJsonAsync(sim, "/v1/moderations", """{"model":"omni-moderation-latest","input":["a","b"]}""");
        var results = (await ReadJsonAsync(moderation)).GetProperty("results");
        results.GetArrayLength().Should().Be(2);
        results[0].GetProperty("flagged").GetBoolean().Should().BeFalse();
        results[0].GetProperty("categories").GetProperty("violence").GetBoolean().Should().BeFalse();

        using var image = await PostJsonAsync(sim, "/v1/images/generations", """{"model":"dall-e-3","prompt":"a cat","response_format":"b64_json"}""");
        var png = Convert.FromBase64String((await ReadJsonAsync(image)).GetProperty("data")[0].GetProperty("b64_json").GetString()!);
        png[1..4].Should().Equal("PNG"u8.ToArray());

        using var speech = await PostJsonAsync(sim, "/v1/audio/speech", """{"model":"tts-1","input":"hi","voice":"alloy","response_format":"wav"}""");
        speech.Content.Headers.ContentType!.MediaType.Should().Be("audio/wav");
        (await speech.Content.ReadAsStringAsync()).Should().Be("SIMULATED-AUDIO:hi");

        using var missing = await PostJsonAsync(sim, "/v1/images/generations", """{"model":"dall-e-3"}""");
        missing.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await ReadOpenAiErrorAsync(missing)).GetProperty("param").GetString().Should().Be("prompt");
    }

    [Fact]
    public async Task Transcription_reads_the_multipart_form_and_answers_text()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(Fast());
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(new byte[1234]) { Headers = { ContentType = new MediaTypeHeaderValue("audio/mpeg") } }, "file", "talk.mp3" },
            { new StringContent("whisper-1"), "model" },
        };

        using var response = await Http.PostAsync(sim.BaseUrl + "/v1/audio/transcriptions", form);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await ReadJsonAsync(response)).GetProperty("text").GetString().Should().Be("Simulated transcript of talk.mp3 (1234 bytes).");

        using var noFile = new MultipartFormDataContent { { new StringContent("whisper-1"), "model" } };
        using var rejected = await Http.PostAsync(sim.BaseUrl + "/v1/audio/transcriptions", noFile);
        rejected.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await ReadOpenAiErrorAsync(rejected)).GetProperty("param").GetString().Should().Be("file");
    }

    [Fact]
    public async Task Body_marker_fails_only_the_requests_that_carry_it_and_recording_keeps_what_arrived()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(Fast());
        sim.Reconfigure(o => { o.FailWhenBodyContains = "POISON"; o.ErrorStatus = 500; o.RecordRequests = true; });

        using var poisoned = await PostJsonAsync(sim, "/v1/chat/completions", """{"model":"m","messages":[{"role":"user","content":"POISON"}]}""");
        using var fine = await PostJsonAsync(sim, "/v1/chat/completions", ChatBody);

        poisoned.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        (await ReadOpenAiErrorAsync(poisoned)).GetProperty("type").GetString().Should().Be("server_error");
        fine.StatusCode.Should().Be(HttpStatusCode.OK);
        sim.Stats.InjectedErrors.Should().Be(1);
        sim.State.Recorded.Select(r => r.BodyText).Should().Equal(
            """{"model":"m","messages":[{"role":"user","content":"POISON"}]}""", ChatBody);
        sim.State.Recorded[1].ContentType.Should().StartWith("application/json");
        sim.State.Recorded[1].Path.Should().Be("/v1/chat/completions");
    }

    [Fact]
    public async Task Chat_stream_with_include_usage_has_usage_null_in_every_chunk_like_openai()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(Fast(tokens: 2));

        using var response = await PostJsonAsync(sim, "/v1/chat/completions",
            """{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""");

        var data = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e["data: ".Length..]).SkipLast(1).Select(e => JsonDocument.Parse(e).RootElement).ToList();
        data.SkipLast(1).Should().OnlyContain(c => c.GetProperty("usage").ValueKind == JsonValueKind.Null);
        data[^1].GetProperty("choices").GetArrayLength().Should().Be(0);
        data[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32().Should().Be(2);
    }
}
