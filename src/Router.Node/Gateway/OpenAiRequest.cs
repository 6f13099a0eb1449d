using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;

namespace Router.Node.Gateway;

/// <summary>
/// What the gateway needs from an OpenAI request body, read in one <see cref="Utf8JsonReader"/> pass (after one
/// <see cref="Utf8.IsValid(ReadOnlySpan{byte})"/> pass over the bytes) that also validates the whole body: strict JSON (no comments, no trailing commas), valid UTF-8 in every string, one object,
/// at most one of each member the gateway reads. A body that fails is answered 400 and never forwarded.
/// </summary>
internal readonly record struct OpenAiRequest(string Model, bool Stream, string? User, int EstimatedPromptTokens)
{
    /// <summary>Roughly four bytes of JSON per token: cheap, and on the safe side for context-window checks.</summary>
    private const int BytesPerToken = 4;

    /// <summary>
    /// What one base64 payload (an image as a data: URL, input_audio data, a file) counts as, instead of its bytes / 4:
    /// 765 tokens, what OpenAI charges for a 1024x1024 image at high detail (85 base + 4 tiles x 170). A 600 KB
    /// screenshot is one payload, not 150k tokens. (A payload shorter than 765 x 4 bytes counts its bytes / 4, as text would.)
    /// </summary>
    public const int PayloadTokens = 765;

    /// <summary>Strings shorter than this are always counted as text.</summary>
    private const int PayloadMinBytes = 256;

    private static readonly SearchValues<byte> Base64Bytes =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\\-_"u8);

    /// <summary>Multipart requests: where the model field's value is in the body, so an UpstreamModel can replace it.</summary>
    public (int Start, int Length)? FormModelAt { get; init; }

    /// <summary>The client asked for the usage chunk itself (stream_options.include_usage: true).</summary>
    public bool ClientAskedUsage { get; init; }

    /// <summary>Where stream_options.include_usage can be set to true without re-serializing the body.</summary>
    private UsageEdit Edit { get; init; }

    public static bool TryParse(ReadOnlySpan<byte> body, out OpenAiRequest request, out string error)
    {
        // One vectorized pass over the whole body settles UTF-8 for every string (JSON's structure is ASCII); only a
        // body that fails it is read again string by string, to say which string is at fault.
        var checkStrings = !Utf8.IsValid(body);
        return TryParse(body, checkStrings, out request, out error);
    }

    private static bool TryParse(ReadOnlySpan<byte> body, bool checkStrings, out OpenAiRequest request, out string error)
    {
        request = default;
        string? model = null, user = null;
        bool stream = false, seenModel = false, seenUser = false, seenStream = false, seenStreamOptions = false, includeUsage = false;
        var edit = new UsageEdit(UsageEditKind.None, 0, 0);
        long payloadBytes = 0;
        long payloadTokens = 0;
        try
        {
            // Defaults are strict: comments and trailing commas are errors.
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "The request body must be a JSON object.";
                return false;
            }
            var objectStart = (int)reader.TokenStartIndex;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        if (checkStrings) RequireUtf8(ref reader);
                        if (reader.CurrentDepth != 1) break;
                        if (reader.ValueTextEquals("model"u8))
                        {
                            Once(ref seenModel, "model");
                            model = ReadString(ref reader, "model", checkStrings);
                        }
                        else if (reader.ValueTextEquals("user"u8))
                        {
                            Once(ref seenUser, "user");
                            user = ReadString(ref reader, "user", checkStrings);
                        }
                        else if (reader.ValueTextEquals("stream"u8))
                        {
                            Once(ref seenStream, "stream");
                            reader.Read();
                            stream = reader.TokenType switch
                            {
                                JsonTokenType.True => true,
                                JsonTokenType.False or JsonTokenType.Null => false,
                                _ => throw new FormatException("'stream' must be true or false."),
                            };
                        }
                        else if (reader.ValueTextEquals("stream_options"u8))
                        {
                            Once(ref seenStreamOptions, "stream_options");
                            edit = ReadStreamOptions(ref reader, checkStrings, out includeUsage);
                        }
                        break;
                    case JsonTokenType.String:
                        if (checkStrings) RequireUtf8(ref reader);
                        if (IsPayload(reader.ValueSpan))
                        {
                            // Never more than the same bytes would count as text.
                            payloadTokens += Math.Min(PayloadTokens, reader.ValueSpan.Length / BytesPerToken);
                            payloadBytes += reader.ValueSpan.Length;
                        }
                        break;
                }
            }
            if (edit.Kind == UsageEditKind.None) edit = new UsageEdit(UsageEditKind.InsertMember, objectStart + 1, 0);
        }
        catch (JsonException e)
        {
            error = $"The request body is not valid JSON: {e.Message}";
            return false;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return false;
        }
        catch (InvalidOperationException e)
        {
            // e.g. an escaped lone surrogate ("\ud800") in a member the gateway reads as text.
            error = $"The request body has text that is not valid Unicode: {e.Message}";
            return false;
        }

        if (string.IsNullOrWhiteSpace(model))
        {
            error = "The request body must name a 'model'.";
            return false;
        }
        var estimate = (body.Length - payloadBytes) / BytesPerToken + payloadTokens;
        request = new OpenAiRequest(model, stream, user, (int)Math.Min(int.MaxValue, estimate))
        {
            ClientAskedUsage = includeUsage,
            Edit = edit,
        };
        error = "";
        return true;
    }

    /// <summary>
    /// The body with stream_options.include_usage set to true: an insertion or a one-token replacement at the offsets
    /// found while parsing, so the rest of the body is the client's bytes.
    /// </summary>
    public ReadOnlyMemory<byte> WithIncludeUsage(ReadOnlyMemory<byte> body)
    {
        ReadOnlySpan<byte> insert = Edit.Kind switch
        {
            UsageEditKind.InsertMember => "\"stream_options\":{\"include_usage\":true},"u8,
            UsageEditKind.InsertFirstOption => "\"include_usage\":true,"u8,
            UsageEditKind.InsertOnlyOption => "\"include_usage\":true"u8,
            UsageEditKind.ReplaceValue => "true"u8,
            UsageEditKind.ReplaceOptions => "{\"include_usage\":true}"u8,
            _ => [],
        };
        return Edit.Kind == UsageEditKind.None ? body : RequestBody.Splice(body.Span, Edit.At, Edit.Length, insert);
    }

    /// <summary>A long string made only of base64 characters, or a base64 data: URL.</summary>
    private static bool IsPayload(ReadOnlySpan<byte> value)
    {
        if (value.Length < PayloadMinBytes) return false;
        if (value.StartsWith("data:"u8))
        {
            var comma = value[..Math.Min(value.Length, 200)].IndexOf((byte)',');
            return comma > 0 && value[..comma].EndsWith(";base64"u8);
        }
        return !value.ContainsAnyExcept(Base64Bytes);
    }

    private static UsageEdit ReadStreamOptions(ref Utf8JsonReader reader, bool checkStrings, out bool includeUsage)
    {
        includeUsage = false;
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
            return new UsageEdit(UsageEditKind.ReplaceOptions, (int)reader.TokenStartIndex, 4);
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new FormatException("'stream_options' must be an object.");
        var afterBrace = (int)reader.TokenStartIndex + 1;
        var members = 0;
        var edit = new UsageEdit(UsageEditKind.None, 0, 0);
        var seenIncludeUsage = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            // A property name at the options' depth.
            if (checkStrings) RequireUtf8(ref reader);
            members++;
            var isIncludeUsage = reader.ValueTextEquals("include_usage"u8);
            if (isIncludeUsage) Once(ref seenIncludeUsage, "stream_options.include_usage");
            reader.Read();
            if (isIncludeUsage)
            {
                includeUsage = reader.TokenType == JsonTokenType.True;
                if (reader.TokenType is JsonTokenType.False or JsonTokenType.Null)
                    edit = new UsageEdit(UsageEditKind.ReplaceValue, (int)reader.TokenStartIndex, reader.TokenType == JsonTokenType.False ? 5 : 4);
            }
            SkipValidating(ref reader, checkStrings);
        }
        if (seenIncludeUsage) return edit;
        return new UsageEdit(members == 0 ? UsageEditKind.InsertOnlyOption : UsageEditKind.InsertFirstOption, afterBrace, 0);
    }

    /// <summary>Skips the value the reader is on, still checking every string in it.</summary>
    private static void SkipValidating(ref Utf8JsonReader reader, bool checkStrings)
    {
        if (checkStrings && reader.TokenType == JsonTokenType.String) RequireUtf8(ref reader);
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray)) return;
        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (checkStrings && reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName) RequireUtf8(ref reader);
        }
    }

    private static void RequireUtf8(ref Utf8JsonReader reader)
    {
        if (!Utf8.IsValid(reader.ValueSpan))
            throw new FormatException($"The request body is not valid UTF-8 (in the string at byte {reader.TokenStartIndex}).");
    }

    private static void Once(ref bool seen, string name)
    {
        if (seen) throw new FormatException($"The request body has '{name}' more than once.");
        seen = true;
    }

    private static string? ReadString(ref Utf8JsonReader reader, string name, bool checkStrings)
    {
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                if (checkStrings) RequireUtf8(ref reader);
                return reader.GetString();
            case JsonTokenType.Null:
                return null;
            default:
                throw new FormatException($"'{name}' must be a string.");
        }
    }

    private enum UsageEditKind { None, InsertMember, InsertFirstOption, InsertOnlyOption, ReplaceValue, ReplaceOptions }

    private readonly record struct UsageEdit(UsageEditKind Kind, int At, int Length);
}
