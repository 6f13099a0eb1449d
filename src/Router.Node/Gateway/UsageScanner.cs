namespace Router.Node.Gateway;

/// <summary>
/// Reads the token counts of an OpenAI response from its last bytes: the "usage" object ends a JSON
/// response and is the last data event of a stream that asked for it (or of a Responses API stream).
/// </summary>
internal static class UsageScanner
{
    public static (int Prompt, int Completion) Read(ReadOnlySpan<byte> tail)
    {
        var prompt = LastNumberAfter(tail, "\"prompt_tokens\""u8);
        var completion = LastNumberAfter(tail, "\"completion_tokens\""u8);
        if (prompt > 0 || completion > 0) return (prompt, completion);
        // The Responses API (and its response.completed event) names them input_tokens / output_tokens.
        return (LastNumberAfter(tail, "\"input_tokens\""u8), LastNumberAfter(tail, "\"output_tokens\""u8));
    }

    private static int LastNumberAfter(ReadOnlySpan<byte> text, ReadOnlySpan<byte> key)
    {
        var at = text.LastIndexOf(key);
        if (at < 0) return 0;
        var rest = text[(at + key.Length)..].TrimStart(" \t\r\n"u8);
        if (rest.IsEmpty || rest[0] != (byte)':') return 0;
        rest = rest[1..].TrimStart(" \t\r\n"u8);
        var value = 0;
        foreach (var b in rest)
        {
            if (b is < (byte)'0' or > (byte)'9') break;
            value = checked(value * 10 + (b - '0'));
        }
        return value;
    }
}
