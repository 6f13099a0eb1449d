using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Router.Simulator;

/// <summary>The other model-bearing OpenAI routes: Responses API, moderations, images, speech, transcriptions.</summary>
internal sealed partial class SimulatorHandlers
{
    /// <summary>POST /v1/responses: OpenAI's Responses API, JSON or a stream of typed server-sent events.</summary>
    private static async Task ResponsesApiAsync(HttpContext ctx, SimulatorOptions o, long start, CancellationToken ct)
    {
        using var doc = await ReadJsonObjectAsync(ctx, ct);
        if (doc is null) { await WriteUnparsableAsync(ctx, ct); return; }
        var root = doc.RootElement;
        if (!root.TryGetProperty("input", out var input) || input.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
        {
            await WriteInvalidAsync(ctx, "'input' is a required property and must be a string or an array", "input", ct);
            return;
        }

        var chars = ResponseInputChars(input);
        if (root.TryGetProperty("instructions", out var instructions) && instructions.ValueKind == JsonValueKind.String)
            chars += instructions.GetString()!.Length;

        var tokens = o.CompletionTokens;
        if (root.TryGetProperty("max_output_tokens", out var max) && max.ValueKind != JsonValueKind.Null)
        {
            if (!max.TryGetInt32(out var value) || value < 1)
            {
                await WriteInvalidAsync(ctx, "'max_output_tokens' must be an integer >= 1", "max_output_tokens", ct);
                return;
            }
            tokens = Math.Min(tokens, value);
        }
        var incomplete = tokens < o.CompletionTokens;
        var model = ModelOf(root, o);
        var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        var id = "resp_" + Guid.NewGuid().ToString("N");
        var messageId = "msg_" + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var promptTokens = Math.Max(1, chars / 4);
        var text = Text(tokens);

        object Usage() => new
        {
            input_tokens = promptTokens,
            input_tokens_details = new { cached_tokens = 0 },
            output_tokens = tokens,
            output_tokens_details = new { reasoning_tokens = 0 },
            total_tokens = promptTokens + tokens,
        };
        object Part(string partText) => new { type = "output_text", text = partText, annotations = Array.Empty<object>(), logprobs = Array.Empty<object>() };
        object Message(string status, object[] content) => new { id = messageId, type = "message", status, role = "assistant", content };
        object Response(string status, object[] output, object? usage) => new
        {
            id,
            @object = "response",
            created_at = created,
            status,
            error = (object?)null,
            incomplete_details = incomplete && status != "in_progress" ? new { reason = "max_output_tokens" } : null,
            instructions = instructions.ValueKind == JsonValueKind.String ? instructions.GetString() : null,
            max_output_tokens = max.ValueKind == JsonValueKind.Number ? max.GetInt32() : (int?)null,
            model,
            output,
            parallel_tool_calls = true,
            previous_response_id = (string?)null,
            store = false,
            temperature = 1.0,
            text = new { format = new { type = "text" } },
            tool_choice = "auto",
            tools = Array.Empty<object>(),
            top_p = 1.0,
            truncation = "disabled",
            usage,
            user = (string?)null,
            metadata = new { },
        };
        var finalStatus = incomplete ? "incomplete" : "completed";

        if (!stream)
        {
            await DelayUntilAsync(start, o.LatencyMs, ct);
            await WriteJsonAsync(ctx, StatusCodes.Status200OK,
                Response(finalStatus, [Message("completed", [Part(text)])], Usage()), ApiJson, ct);
            return;
        }

        var response = ctx.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        ctx.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(ct);

        var sequence = 0;
        Task Event(string type, Func<int, object> payload) => WriteTypedEventAsync(response, type, payload(sequence++), ct);

        await DelayUntilAsync(start, o.TimeToFirstTokenMs, ct);
        await Event("response.created", n => new { type = "response.created", sequence_number = n, response = Response("in_progress", [], null) });
        await Event("response.in_progress", n => new { type = "response.in_progress", sequence_number = n, response = Response("in_progress", [], null) });
        await Event("response.output_item.added", n => new
        {
            type = "response.output_item.added", sequence_number = n, output_index = 0, item = Message("in_progress", []),
        });
        await Event("response.content_part.added", n => new
        {
            type = "response.content_part.added", sequence_number = n, item_id = messageId, output_index = 0, content_index = 0, part = Part(""),
        });
        var interval = o.TokensPerSecond > 0 ? 1000.0 / o.TokensPerSecond : 0;
        var tokensStart = Stopwatch.GetTimestamp();
        for (var i = 0; i < tokens; i++)
        {
            if (i > 0 && interval > 0) await DelayUntilAsync(tokensStart, i * interval, ct);
            var delta = Word(i);
            await Event("response.output_text.delta", n => new
            {
                type = "response.output_text.delta", sequence_number = n, item_id = messageId, output_index = 0, content_index = 0,
                delta, logprobs = Array.Empty<object>(),
            });
        }
        await Event("response.output_text.done", n => new
        {
            type = "response.output_text.done", sequence_number = n, item_id = messageId, output_index = 0, content_index = 0,
            text, logprobs = Array.Empty<object>(),
        });
        await Event("response.content_part.done", n => new
        {
            type = "response.content_part.done", sequence_number = n, item_id = messageId, output_index = 0, content_index = 0, part = Part(text),
        });
        await Event("response.output_item.done", n => new
        {
            type = "response.output_item.done", sequence_number = n, output_index = 0, item = Message("completed", [Part(text)]),
        });
        var finalEvent = "response." + finalStatus;
        await Event(finalEvent, n => new
        {
            type = finalEvent, sequence_number = n, response = Response(finalStatus, [Message("completed", [Part(text)])], Usage()),
        });
    }

    /// <summary>POST /v1/moderations: nothing is ever flagged.</summary>
    private static async Task ModerateAsync(HttpContext ctx, SimulatorOptions o, long start, CancellationToken ct)
    {
        using var doc = await ReadJsonObjectAsync(ctx, ct);
        if (doc is null) { await WriteUnparsableAsync(ctx, ct); return; }
        var root = doc.RootElement;
        if (!root.TryGetProperty("input", out var input) || input.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
        {
            await WriteInvalidAsync(ctx, "'input' is a required property and must be a string or an array", "input", ct);
            return;
        }
        var count = input.ValueKind == JsonValueKind.Array ? Math.Max(1, input.GetArrayLength()) : 1;
        string[] names = ["harassment", "harassment/threatening", "hate", "hate/threatening", "self-harm", "self-harm/instructions",
            "self-harm/intent", "sexual", "sexual/minors", "violence", "violence/graphic"];
        var categories = names.ToDictionary(n => n, _ => false);
        var scores = names.ToDictionary(n => n, _ => 0.0001);
        await DelayUntilAsync(start, o.LatencyMs, ct);
        await WriteJsonAsync(ctx, StatusCodes.Status200OK, new
        {
            id = "modr-" + Guid.NewGuid().ToString("N"),
            model = ModelOf(root, o),
            results = Enumerable.Range(0, count).Select(_ => new { flagged = false, categories, category_scores = scores }).ToArray(),
        }, ApiJson, ct);
    }

    /// <summary>A 1x1 transparent PNG.</summary>
    private const string TinyPng = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

    /// <summary>POST /v1/images/generations: n tiny PNGs, as b64_json or as a (data:) url.</summary>
    private static async Task GenerateImageAsync(HttpContext ctx, SimulatorOptions o, long start, CancellationToken ct)
    {
        using var doc = await ReadJsonObjectAsync(ctx, ct);
        if (doc is null) { await WriteUnparsableAsync(ctx, ct); return; }
        var root = doc.RootElement;
        if (!root.TryGetProperty("prompt", out var prompt) || prompt.ValueKind != JsonValueKind.String)
        {
            await WriteInvalidAsync(ctx, "'prompt' is a required property and must be a string", "prompt", ct);
            return;
        }
        var n = root.TryGetProperty("n", out var nValue) && nValue.TryGetInt32(out var requested) ? Math.Clamp(requested, 1, 10) : 1;
        var b64 = root.TryGetProperty("response_format", out var format) && format.ValueKind == JsonValueKind.String && format.GetString() == "b64_json";
        await DelayUntilAsync(start, o.LatencyMs, ct);
        await WriteJsonAsync(ctx, StatusCodes.Status200OK, new
        {
            created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            data = Enumerable.Range(0, n)
                .Select(_ => b64
                    ? (object)new { b64_json = TinyPng, revised_prompt = prompt.GetString() }
                    : new { url = "data:image/png;base64," + TinyPng, revised_prompt = prompt.GetString() })
                .ToArray(),
        }, ApiJson, ct);
    }

    /// <summary>POST /v1/audio/speech: a few bytes of "audio" in the requested format.</summary>
    private static async Task SpeakAsync(HttpContext ctx, SimulatorOptions o, long start, CancellationToken ct)
    {
        using var doc = await ReadJsonObjectAsync(ctx, ct);
        if (doc is null) { await WriteUnparsableAsync(ctx, ct); return; }
        var root = doc.RootElement;
        if (!root.TryGetProperty("input", out var input) || input.ValueKind != JsonValueKind.String)
        {
            await WriteInvalidAsync(ctx, "'input' is a required property and must be a string", "input", ct);
            return;
        }
        var format = root.TryGetProperty("response_format", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString()! : "mp3";
        await DelayUntilAsync(start, o.LatencyMs, ct);
        ctx.Response.StatusCode = StatusCodes.Status200OK;
        ctx.Response.ContentType = format switch
        {
            "wav" => "audio/wav",
            "opus" => "audio/opus",
            "aac" => "audio/aac",
            "flac" => "audio/flac",
            "pcm" => "audio/pcm",
            _ => "audio/mpeg",
        };
        await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes("SIMULATED-AUDIO:" + input.GetString()), ct);
    }

    /// <summary>POST /v1/audio/transcriptions and /translations: multipart form with 'file' and 'model'; answers {"text":...}.</summary>
    private static async Task TranscribeAsync(HttpContext ctx, SimulatorOptions o, long start, CancellationToken ct)
    {
        if (!ctx.Request.HasFormContentType)
        {
            await WriteInvalidAsync(ctx, "The request must be multipart/form-data with a 'file' and a 'model'.", null, ct);
            return;
        }
        IFormCollection form;
        try
        {
            form = await ctx.Request.ReadFormAsync(ct);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            await WriteInvalidAsync(ctx, "Could not parse multipart form: " + e.Message, null, ct);
            return;
        }
        if (form.Files.GetFile("file") is not { } file)
        {
            await WriteInvalidAsync(ctx, "'file' is a required form field", "file", ct);
            return;
        }
        if (string.IsNullOrEmpty(form["model"]))
        {
            await WriteInvalidAsync(ctx, "'model' is a required form field", "model", ct);
            return;
        }
        var text = $"Simulated transcript of {file.FileName} ({file.Length} bytes).";
        await DelayUntilAsync(start, o.LatencyMs, ct);
        if (form["response_format"] == "text")
        {
            ctx.Response.StatusCode = StatusCodes.Status200OK;
            ctx.Response.ContentType = "text/plain; charset=utf-8";
            await ctx.Response.WriteAsync(text, ct);
            return;
        }
        await WriteJsonAsync(ctx, StatusCodes.Status200OK, new { text }, ApiJson, ct);
    }

    private static async Task WriteTypedEventAsync(HttpResponse response, string type, object payload, CancellationToken ct)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(payload, payload.GetType(), ApiJson);
        var head = Encoding.UTF8.GetBytes("event: " + type + "\n");
        var buffer = new byte[head.Length + DataPrefix.Length + json.Length + EventEnd.Length];
        head.CopyTo(buffer, 0);
        DataPrefix.CopyTo(buffer, head.Length);
        json.CopyTo(buffer, head.Length + DataPrefix.Length);
        EventEnd.CopyTo(buffer, head.Length + DataPrefix.Length + json.Length);
        await response.Body.WriteAsync(buffer, ct);
        await response.Body.FlushAsync(ct);
    }

    /// <summary>Characters of a Responses API input: a string, or items whose content is a string or parts with "text".</summary>
    private static int ResponseInputChars(JsonElement input)
    {
        if (input.ValueKind == JsonValueKind.String) return input.GetString()!.Length;
        var chars = 0;
        foreach (var item in input.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("content", out var content)) chars += ContentChars(content);
        }
        return chars;
    }
}
