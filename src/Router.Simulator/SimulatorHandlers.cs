using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;

namespace Router.Simulator;

/// <summary>Request handlers behind <see cref="SimulatorEndpointRouteBuilderExtensions.MapSimulator"/>.</summary>
internal sealed partial class SimulatorHandlers(SimulatorState state, IHostApplicationLifetime? lifetime)
{
    public const string NameHeader = "x-sim-name";

    /// <summary>OpenAI wire format: property names exactly as written (snake_case), nulls included.</summary>
    private static readonly JsonSerializerOptions ApiJson = new(JsonSerializerDefaults.General);

    /// <summary>Control endpoints (/_sim): camelCase.</summary>
    private static readonly JsonSerializerOptions ControlJson = new(JsonSerializerDefaults.Web);

    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] DoneEvent = "data: [DONE]\n\n"u8.ToArray();

    private delegate Task ApiBody(HttpContext ctx, SimulatorOptions options, long startTimestamp, CancellationToken ct);

    // ---------------------------------------------------------------- API endpoints (/v1)

    public Task ListModelsAsync(HttpContext ctx) => RunApiAsync(ctx, "/v1/models", (c, o, _, ct) =>
        WriteJsonAsync(c, StatusCodes.Status200OK, new { @object = "list", data = new[] { ModelObject(o) } }, ApiJson, ct));

    public Task GetModelAsync(HttpContext ctx) => RunApiAsync(ctx, "/v1/models/{id}", (c, o, _, ct) =>
        string.Equals(c.Request.RouteValues["id"] as string, o.Name, StringComparison.Ordinal)
            ? WriteJsonAsync(c, StatusCodes.Status200OK, ModelObject(o), ApiJson, ct)
            : WriteErrorAsync(c, StatusCodes.Status404NotFound, $"The model '{c.Request.RouteValues["id"]}' does not exist",
                "invalid_request_error", "model_not_found", null, ct));

    public Task ChatCompletionsAsync(HttpContext ctx) => RunApiAsync(ctx, "/v1/chat/completions", ChatAsync);

    public Task CompletionsAsync(HttpContext ctx) => RunApiAsync(ctx, "/v1/completions", TextCompletionAsync);

    public Task EmbeddingsAsync(HttpContext ctx) => RunApiAsync(ctx, "/v1/embeddings", EmbedAsync);

    public Task ResponsesAsync(HttpContext ctx) => RunApiAsync(ctx, "/v1/responses", ResponsesApiAsync);

    public Task ModerationsAsync(HttpContext ctx) => RunApiAsync(ctx, "/v1/moderations", ModerateAsync);

    public Task ImageGenerationsAsync(HttpContext ctx) => RunApiAsync(ctx, "/v1/images/generations", GenerateImageAsync);

    public Task SpeechAsync(HttpContext ctx) => RunApiAsync(ctx, "/v1/audio/speech", SpeakAsync);

    public Task TranscriptionsAsync(HttpContext ctx) => RunApiAsync(ctx, "/v1/audio/transcriptions", TranscribeAsync);

    public Task TranslationsAsync(HttpContext ctx) => RunApiAsync(ctx, "/v1/audio/translations", TranscribeAsync);

    private async Task RunApiAsync(HttpContext ctx, string route, ApiBody body)
    {
        var start = Stopwatch.GetTimestamp();
        var options = state.Snapshot();
        ctx.Response.Headers[NameHeader] = options.Name;
        state.Stats.OnStart(route);
        using var linked = lifetime is null
            ? null
            : CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, lifetime.ApplicationStopping);
        var ct = linked?.Token ?? ctx.RequestAborted;
        try
        {
            if (!string.IsNullOrEmpty(options.RequiredApiKey) && !IsAuthorized(ctx.Request, options.RequiredApiKey, out var presented))
            {
                await WriteErrorAsync(ctx, StatusCodes.Status401Unauthorized,
                    presented
                        ? "Incorrect API key provided."
                        : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                    "invalid_request_error", "invalid_api_key", null, ct);
                return;
            }

            if (options.RateLimitRequests is { } limit)
            {
                var (allowed, remaining, reset) = state.TakeRateLimitedRequest(limit, options.RateLimitWindowMs);
                ctx.Response.Headers["x-ratelimit-limit-requests"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
                ctx.Response.Headers["x-ratelimit-remaining-requests"] = remaining.ToString(System.Globalization.CultureInfo.InvariantCulture);
                ctx.Response.Headers["x-ratelimit-reset-requests"] = GoDuration(reset);
                if (!allowed)
                {
                    state.Stats.OnRateLimited();
                    ctx.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(reset.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    await WriteErrorAsync(ctx, StatusCodes.Status429TooManyRequests,
                        $"Rate limit reached for requests on {options.Name} (simulated: {limit} per {options.RateLimitWindowMs} ms).",
                        "requests", "rate_limit_exceeded", null, ct);
                    return;
                }
            }

            if (options.ErrorRate > 0 && Random.Shared.NextDouble() < options.ErrorRate)
            {
                state.Stats.OnInjectedError();
                await WriteInjectedErrorAsync(ctx, options, ct);
                return;
            }

            if (options.RecordRequests || !string.IsNullOrEmpty(options.FailWhenBodyContains))
            {
                // Read the body once, keep it for the handler, and look at it whole.
                using var copy = new MemoryStream();
                await ctx.Request.Body.CopyToAsync(copy, ct);
                var bytes = copy.ToArray();
                ctx.Request.Body = new MemoryStream(bytes, writable: false);
                if (options.RecordRequests)
                {
                    state.Record(new SimulatorRequest(ctx.Request.Method, ctx.Request.Path.Value ?? "", ctx.Request.ContentType, bytes,
                        ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
                }
                if (!string.IsNullOrEmpty(options.FailWhenBodyContains)
                    && bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(options.FailWhenBodyContains)) >= 0)
                {
                    state.Stats.OnInjectedError();
                    await WriteInjectedErrorAsync(ctx, options, ct);
                    return;
                }
            }

            await body(ctx, options, start, ct);
        }
        catch (Exception) when (ct.IsCancellationRequested)
        {
            // Client went away or the server is stopping: drop the connection quietly.
            ctx.Abort();
        }
        finally
        {
            state.Stats.OnEnd(ctx.Response.StatusCode);
        }
    }

    private static async Task ChatAsync(HttpContext ctx, SimulatorOptions o, long start, CancellationToken ct)
    {
        using var doc = await ReadJsonObjectAsync(ctx, ct);
        if (doc is null) { await WriteUnparsableAsync(ctx, ct); return; }
        var root = doc.RootElement;

        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            await WriteInvalidAsync(ctx, "'messages' is a required property and must be an array", "messages", ct);
            return;
        }
        if (messages.GetArrayLength() == 0)
        {
            await WriteInvalidAsync(ctx, "'messages' must contain at least one message", "messages", ct);
            return;
        }

        var chars = 0;
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("content", out var content))
                chars += ContentChars(content);
        }

        if (!TryParseCommon(root, o, out var req, out var error, out var param))
        {
            await WriteInvalidAsync(ctx, error, param, ct);
            return;
        }

        var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var usage = Usage(Math.Max(1, chars / 4), req.CompletionTokens);

        if (!req.Stream)
        {
            await DelayUntilAsync(start, o.LatencyMs, ct);
            await WriteJsonAsync(ctx, StatusCodes.Status200OK, new
            {
                id,
                @object = "chat.completion",
                created,
                model = req.Model,
                system_fingerprint = "fp_sim",
                choices = new[]
                {
                    new
                    {
                        index = 0,
                        message = new { role = "assistant", content = Text(req.CompletionTokens), refusal = (string?)null },
                        logprobs = (object?)null,
                        finish_reason = req.FinishReason,
                    },
                },
                usage,
            }, ApiJson, ct);
            return;
        }

        // Like OpenAI: with include_usage every chunk carries "usage":null, and one last chunk has the usage.
        object Chunk(object delta, string? finishReason) => req.IncludeUsage
            ? new
            {
                id,
                @object = "chat.completion.chunk",
                created,
                model = req.Model,
                system_fingerprint = "fp_sim",
                choices = new[] { new { index = 0, delta, logprobs = (object?)null, finish_reason = finishReason } },
                usage = (object?)null,
            }
            : new
            {
                id,
                @object = "chat.completion.chunk",
                created,
                model = req.Model,
                system_fingerprint = "fp_sim",
                choices = new[] { new { index = 0, delta, logprobs = (object?)null, finish_reason = finishReason } },
            };

        await StreamAsync(ctx, o, start, req.CompletionTokens,
            head: Chunk(new { role = "assistant", content = "" }, null),
            token: i => Chunk(new { content = Word(i) }, null),
            final: Chunk(new { }, req.FinishReason),
            usage: req.IncludeUsage
                ? new { id, @object = "chat.completion.chunk", created, model = req.Model, system_fingerprint = "fp_sim", choices = Array.Empty<object>(), usage }
                : null,
            ct);
    }

    private static async Task TextCompletionAsync(HttpContext ctx, SimulatorOptions o, long start, CancellationToken ct)
    {
        using var doc = await ReadJsonObjectAsync(ctx, ct);
        if (doc is null) { await WriteUnparsableAsync(ctx, ct); return; }
        var root = doc.RootElement;

        if (!root.TryGetProperty("prompt", out var prompt) || !TryCountInput(prompt, out var inputs))
        {
            await WriteInvalidAsync(ctx, "'prompt' is a required property and must be a string or an array", "prompt", ct);
            return;
        }
        if (!TryParseCommon(root, o, out var req, out var error, out var param))
        {
            await WriteInvalidAsync(ctx, error, param, ct);
            return;
        }

        var id = "cmpl-" + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var usage = Usage(Math.Max(1, inputs.Sum(i => i.Tokens)), req.CompletionTokens);

        if (!req.Stream)
        {
            await DelayUntilAsync(start, o.LatencyMs, ct);
            await WriteJsonAsync(ctx, StatusCodes.Status200OK, new
            {
                id,
                @object = "text_completion",
                created,
                model = req.Model,
                system_fingerprint = "fp_sim",
                choices = new[] { new { text = Text(req.CompletionTokens), index = 0, logprobs = (object?)null, finish_reason = req.FinishReason } },
                usage,
            }, ApiJson, ct);
            return;
        }

        object Chunk(string text, string? finishReason) => new
        {
            id,
            @object = "text_completion",
            created,
            model = req.Model,
            system_fingerprint = "fp_sim",
            choices = new[] { new { text, index = 0, logprobs = (object?)null, finish_reason = finishReason } },
        };

        await StreamAsync(ctx, o, start, req.CompletionTokens,
            head: null,
            token: i => Chunk(Word(i), null),
            final: Chunk("", req.FinishReason),
            usage: req.IncludeUsage
                ? new { id, @object = "text_completion", created, model = req.Model, system_fingerprint = "fp_sim", choices = Array.Empty<object>(), usage }
                : null,
            ct);
    }

    private static async Task EmbedAsync(HttpContext ctx, SimulatorOptions o, long start, CancellationToken ct)
    {
        using var doc = await ReadJsonObjectAsync(ctx, ct);
        if (doc is null) { await WriteUnparsableAsync(ctx, ct); return; }
        var root = doc.RootElement;

        if (!root.TryGetProperty("input", out var input) || !TryCountInput(input, out var inputs) || inputs.Count == 0)
        {
            await WriteInvalidAsync(ctx, "'input' is a required property and must be a string or a non-empty array", "input", ct);
            return;
        }

        var dimensions = 8;
        if (root.TryGetProperty("dimensions", out var dims) && dims.ValueKind != JsonValueKind.Null)
        {
            if (!dims.TryGetInt32(out dimensions) || dimensions is < 1 or > 4096)
            {
                await WriteInvalidAsync(ctx, "'dimensions' must be an integer between 1 and 4096", "dimensions", ct);
                return;
            }
        }

        var base64 = root.TryGetProperty("encoding_format", out var format) && format.ValueKind == JsonValueKind.String
            && string.Equals(format.GetString(), "base64", StringComparison.OrdinalIgnoreCase);
        var model = ModelOf(root, o);
        var tokens = inputs.Sum(i => i.Tokens);

        var data = inputs.Select((item, index) =>
        {
            var vector = Embed(item.Text, dimensions);
            object embedding = base64 ? Convert.ToBase64String(MemoryMarshal.AsBytes(vector.AsSpan())) : vector;
            return new { @object = "embedding", index, embedding };
        }).ToArray();

        await DelayUntilAsync(start, o.LatencyMs, ct);
        await WriteJsonAsync(ctx, StatusCodes.Status200OK, new
        {
            @object = "list",
            data,
            model,
            usage = new { prompt_tokens = tokens, total_tokens = tokens },
        }, ApiJson, ct);
    }

    // ---------------------------------------------------------------- control endpoints (/_sim)

    public Task GetStatsAsync(HttpContext ctx)
    {
        ctx.Response.Headers[NameHeader] = state.Options.Name;
        return WriteJsonAsync(ctx, StatusCodes.Status200OK, state.Stats.Snapshot(), ControlJson, ctx.RequestAborted);
    }

    public Task ResetStatsAsync(HttpContext ctx)
    {
        state.Stats.Reset();
        return GetStatsAsync(ctx);
    }

    public Task GetConfigAsync(HttpContext ctx)
    {
        var options = state.Snapshot();
        ctx.Response.Headers[NameHeader] = options.Name;
        return WriteJsonAsync(ctx, StatusCodes.Status200OK, options, ControlJson, ctx.RequestAborted);
    }

    public async Task PostConfigAsync(HttpContext ctx)
    {
        ctx.Response.Headers[NameHeader] = state.Options.Name;
        var ct = ctx.RequestAborted;
        using var doc = await ReadJsonObjectAsync(ctx, ct);
        if (doc is null) { await WriteUnparsableAsync(ctx, ct); return; }

        SimulatorOptions updated;
        try
        {
            var patch = doc.RootElement;
            updated = state.Reconfigure(next => ApplyPatch(next, patch));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            await WriteInvalidAsync(ctx, e.Message, null, ct);
            return;
        }

        ctx.Response.Headers[NameHeader] = updated.Name;
        await WriteJsonAsync(ctx, StatusCodes.Status200OK, updated, ControlJson, ct);
    }

    /// <summary>Applies a partial JSON object of option values; names are matched ignoring case, '_' and '-'.</summary>
    internal static void ApplyPatch(SimulatorOptions target, JsonElement patch)
    {
        foreach (var property in patch.EnumerateObject())
        {
            var v = property.Value;
            var key = property.Name.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
            try
            {
                switch (key)
                {
                    case "name": target.Name = v.GetString() ?? throw new ArgumentException("Name must not be null"); break;
                    case "latencyms": target.LatencyMs = v.GetInt32(); break;
                    case "timetofirsttokenms": target.TimeToFirstTokenMs = v.GetInt32(); break;
                    case "tokenspersecond": target.TokensPerSecond = v.GetDouble(); break;
                    case "completiontokens": target.CompletionTokens = v.GetInt32(); break;
                    case "failwhenbodycontains": target.FailWhenBodyContains = v.ValueKind == JsonValueKind.Null ? null : v.GetString(); break;
                    case "recordrequests": target.RecordRequests = v.GetBoolean(); break;
                    case "errorrate": target.ErrorRate = v.GetDouble(); break;
                    case "errorstatus": target.ErrorStatus = v.GetInt32(); break;
                    case "retryafterseconds": target.RetryAfterSeconds = v.ValueKind == JsonValueKind.Null ? null : v.GetInt32(); break;
                    case "requiredapikey": target.RequiredApiKey = v.ValueKind == JsonValueKind.Null ? null : v.GetString(); break;
                    case "ratelimitrequests": target.RateLimitRequests = v.ValueKind == JsonValueKind.Null ? null : v.GetInt32(); break;
                    case "ratelimitwindowms": target.RateLimitWindowMs = v.GetInt32(); break;
                    default: throw new ArgumentException($"Unknown simulator option '{property.Name}'");
                }
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            {
                throw new ArgumentException($"Invalid value for simulator option '{property.Name}': {v.GetRawText()}", e);
            }
        }
    }

    // ---------------------------------------------------------------- streaming

    private static async Task StreamAsync(HttpContext ctx, SimulatorOptions o, long start, int tokens,
        object? head, Func<int, object> token, object final, object? usage, CancellationToken ct)
    {
        var response = ctx.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        ctx.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(ct); // headers go out now, like a real server

        await DelayUntilAsync(start, o.TimeToFirstTokenMs, ct);
        if (head is not null) await WriteEventAsync(response, head, ct);

        var interval = o.TokensPerSecond > 0 ? 1000.0 / o.TokensPerSecond : 0;
        var tokensStart = Stopwatch.GetTimestamp();
        for (var i = 0; i < tokens; i++)
        {
            // Paced against a fixed schedule so that timer slack does not accumulate.
            if (i > 0 && interval > 0) await DelayUntilAsync(tokensStart, i * interval, ct);
            await WriteEventAsync(response, token(i), ct);
        }

        await WriteEventAsync(response, final, ct);
        if (usage is not null) await WriteEventAsync(response, usage, ct);
        await response.Body.WriteAsync(DoneEvent, ct);
        await response.Body.FlushAsync(ct);
    }

    private static async Task WriteEventAsync(HttpResponse response, object payload, CancellationToken ct)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(payload, payload.GetType(), ApiJson);
        var buffer = new byte[DataPrefix.Length + json.Length + EventEnd.Length];
        DataPrefix.CopyTo(buffer, 0);
        json.CopyTo(buffer, DataPrefix.Length);
        EventEnd.CopyTo(buffer, DataPrefix.Length + json.Length);
        await response.Body.WriteAsync(buffer, ct);
        await response.Body.FlushAsync(ct);
    }

    // ---------------------------------------------------------------- request parsing

    private readonly record struct CommonRequest(string Model, bool Stream, bool IncludeUsage, int CompletionTokens, string FinishReason);

    private readonly record struct Input(string Text, int Tokens);

    private static bool TryParseCommon(JsonElement root, SimulatorOptions o, out CommonRequest request, out string error, out string? param)
    {
        request = default;
        error = "";
        param = null;

        var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        var includeUsage = root.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object
            && so.TryGetProperty("include_usage", out var iu) && iu.ValueKind == JsonValueKind.True;

        int? max = null;
        foreach (var name in (ReadOnlySpan<string>)["max_completion_tokens", "max_tokens"])
        {
            if (!root.TryGetProperty(name, out var m) || m.ValueKind == JsonValueKind.Null) continue;
            if (!m.TryGetInt32(out var value) || value < 1)
            {
                error = $"'{name}' must be an integer >= 1";
                param = name;
                return false;
            }
            max = value;
            break;
        }

        var completion = Math.Min(o.CompletionTokens, max ?? int.MaxValue);
        request = new CommonRequest(ModelOf(root, o), stream, includeUsage, completion, completion < o.CompletionTokens ? "length" : "stop");
        return true;
    }

    private static string ModelOf(JsonElement root, SimulatorOptions o) =>
        root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String && m.GetString() is { Length: > 0 } model
            ? model
            : o.Name;

    /// <summary>Characters of a chat message content: a string, or an array of parts with "text".</summary>
    private static int ContentChars(JsonElement content)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString()!.Length;
            case JsonValueKind.Array:
                var chars = 0;
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.String) chars += part.GetString()!.Length;
                    else if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
                        chars += t.GetString()!.Length;
                }
                return chars;
            default:
                return 0;
        }
    }

    /// <summary>A prompt / embedding input: a string, an array of strings, a token array or an array of token arrays.</summary>
    private static bool TryCountInput(JsonElement value, out List<Input> inputs)
    {
        inputs = [];
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                inputs.Add(FromString(value.GetString()!));
                return true;
            case JsonValueKind.Array:
                if (value.GetArrayLength() > 0 && value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number))
                {
                    inputs.Add(new Input(value.GetRawText(), value.GetArrayLength()));
                    return true;
                }
                foreach (var item in value.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String) inputs.Add(FromString(item.GetString()!));
                    else if (item.ValueKind == JsonValueKind.Array && item.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number))
                        inputs.Add(new Input(item.GetRawText(), Math.Max(1, item.GetArrayLength())));
                    else return false;
                }
                return true;
            default:
                return false;
        }

        static Input FromString(string text) => new(text, Math.Max(1, text.Length / 4));
    }

    private static async Task<JsonDocument?> ReadJsonObjectAsync(HttpContext ctx, CancellationToken ct)
    {
        JsonDocument doc;
        try
        {
            doc = await JsonDocument.ParseAsync(ctx.Request.Body, default, ct);
        }
        catch (JsonException)
        {
            return null;
        }
        if (doc.RootElement.ValueKind == JsonValueKind.Object) return doc;
        doc.Dispose();
        return null;
    }

    // ---------------------------------------------------------------- responses

    private static object ModelObject(SimulatorOptions o) => new { id = o.Name, @object = "model", created = 1_700_000_000L, owned_by = "simulator" };

    private static object Usage(int prompt, int completion) =>
        new { prompt_tokens = prompt, completion_tokens = completion, total_tokens = prompt + completion };

    private static string Word(int index) => index == 0 ? "tok" : " tok";

    private static string Text(int tokens) => string.Join(' ', Enumerable.Repeat("tok", tokens));

    private static Task WriteJsonAsync(HttpContext ctx, int status, object value, JsonSerializerOptions json, CancellationToken ct)
    {
        ctx.Response.StatusCode = status;
        return ctx.Response.WriteAsJsonAsync(value, value.GetType(), json, contentType: "application/json", ct);
    }

    private static Task WriteErrorAsync(HttpContext ctx, int status, string message, string type, string? code, string? param, CancellationToken ct) =>
        WriteJsonAsync(ctx, status, new { error = new { message, type, param, code } }, ApiJson, ct);

    private static Task WriteInvalidAsync(HttpContext ctx, string message, string? param, CancellationToken ct) =>
        WriteErrorAsync(ctx, StatusCodes.Status400BadRequest, message, "invalid_request_error", null, param, ct);

    private static Task WriteUnparsableAsync(HttpContext ctx, CancellationToken ct) =>
        WriteInvalidAsync(ctx,
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
            null, ct);

    private static Task WriteInjectedErrorAsync(HttpContext ctx, SimulatorOptions o, CancellationToken ct)
    {
        var status = o.ErrorStatus;
        if (o.RetryAfterSeconds is { } retryAfter && status is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable)
            ctx.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);

        return status switch
        {
            StatusCodes.Status429TooManyRequests => WriteErrorAsync(ctx, status,
                $"Rate limit reached for {o.Name} (simulated).", "rate_limit_exceeded", "rate_limit_exceeded", null, ct),
            >= 500 => WriteErrorAsync(ctx, status,
                $"The server had an error while processing your request (simulated by {o.Name}).", "server_error", null, null, ct),
            _ => WriteErrorAsync(ctx, status,
                $"Simulated error {status} from {o.Name}.", "invalid_request_error", null, null, ct),
        };
    }

    /// <summary>A duration as OpenAI writes its reset headers: 6m0s, 1.5s, 20ms.</summary>
    internal static string GoDuration(TimeSpan duration)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (duration < TimeSpan.Zero) duration = TimeSpan.Zero;
        if (duration < TimeSpan.FromSeconds(1)) return ((int)Math.Ceiling(duration.TotalMilliseconds)).ToString(inv) + "ms";
        if (duration < TimeSpan.FromMinutes(1)) return duration.TotalSeconds.ToString("0.###", inv) + "s";
        return ((int)duration.TotalMinutes).ToString(inv) + "m" + duration.Seconds.ToString(inv) + "s";
    }

    private static bool IsAuthorized(HttpRequest request, string key, out bool presented)
    {
        const string scheme = "Bearer ";
        var header = request.Headers.Authorization.ToString();
        presented = header.Length > 0;
        return header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(header[scheme.Length..].Trim(), key, StringComparison.Ordinal);
    }

    private static Task DelayUntilAsync(long origin, double milliseconds, CancellationToken ct)
    {
        var remaining = milliseconds - Stopwatch.GetElapsedTime(origin).TotalMilliseconds;
        return remaining >= 1 ? Task.Delay(TimeSpan.FromMilliseconds(remaining), ct) : Task.CompletedTask;
    }

    // ---------------------------------------------------------------- embeddings

    /// <summary>Deterministic unit vector from the text (FNV-1a seed, SplitMix64 stream).</summary>
    internal static float[] Embed(string text, int dimensions)
    {
        unchecked
        {
            var hash = 14695981039346656037UL;
            foreach (var b in Encoding.UTF8.GetBytes(text))
            {
                hash ^= b;
                hash *= 1099511628211UL;
            }

            var vector = new float[dimensions];
            var norm = 0.0;
            for (var i = 0; i < dimensions; i++)
            {
                hash += 0x9E3779B97F4A7C15UL;
                var z = hash;
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                z ^= z >> 31;
                var d = (z >> 11) * (1.0 / (1UL << 53)) * 2 - 1;
                vector[i] = (float)d;
                norm += d * d;
            }

            var scale = norm > 0 ? 1 / Math.Sqrt(norm) : 0;
            for (var i = 0; i < dimensions; i++) vector[i] = (float)(vector[i] * scale);
            return vector;
        }
    }
}
