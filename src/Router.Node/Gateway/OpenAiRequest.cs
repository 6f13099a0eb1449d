using System.Text.Json;

namespace Router.Node.Gateway;

/// <summary>What the gateway needs from an OpenAI request body: read once, without building a DOM.</summary>
internal readonly record struct OpenAiRequest(string Model, bool Stream, string? User, int EstimatedPromptTokens)
{
    /// <summary>Roughly four bytes of JSON per token: cheap, and on the safe side for context-window checks.</summary>
    private const int BytesPerToken = 4;

    public static bool TryParse(ReadOnlySpan<byte> body, out OpenAiRequest request, out string error)
    {
        request = default;
        string? model = null, user = null;
        var stream = false;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "The request body must be a JSON object.";
                return false;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8)) model = ReadString(ref reader, "model");
                else if (reader.ValueTextEquals("user"u8)) user = ReadString(ref reader, "user");
                else if (reader.ValueTextEquals("stream"u8))
                {
                    reader.Read();
                    stream = reader.TokenType switch
                    {
                        JsonTokenType.True => true,
                        JsonTokenType.False or JsonTokenType.Null => false,
                        _ => throw new FormatException("'stream' must be true or false."),
                    };
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            // Read to the end so trailing garbage is rejected, not forwarded.
            while (reader.Read()) { }
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

        if (string.IsNullOrWhiteSpace(model))
        {
            error = "The request body must name a 'model'.";
            return false;
        }
        request = new OpenAiRequest(model, stream, user, body.Length / BytesPerToken);
        error = "";
        return true;
    }

    private static string? ReadString(ref Utf8JsonReader reader, string name)
    {
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Null => null,
            _ => throw new FormatException($"'{name}' must be a string."),
        };
    }
}
