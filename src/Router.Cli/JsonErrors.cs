using System.Text.Encodings.Web;
using System.Text.Json;

namespace Router.Cli;

/// <summary>
/// With <c>--json</c> a failed command prints one JSON document on stdout instead of text on stderr, so a script reads
/// stdout whatever happened: <c>{"error":{"message":...,"type":...,"exitCode":...}}</c>, plus <c>status</c> (the admin
/// API's HTTP status) when the node answered and <c>detail</c> (usage, known commands) when there is more to say.
/// The exit code is the same as without <c>--json</c>.
/// </summary>
internal static class JsonErrors
{
    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>True when <paramref name="args"/> ask for JSON, before (or whether or not) they parse.</summary>
    public static bool Requested(IEnumerable<string> args) => args.Contains("--json");

    public static string TypeOf(int exitCode) => exitCode switch
    {
        ExitCodes.CommandFailed => "refused",
        ExitCodes.Usage => "usage",
        ExitCodes.Unreachable => "unreachable",
        ExitCodes.Unauthorized => "unauthorized",
        ExitCodes.Interrupted => "interrupted",
        _ => "error",
    };

    /// <summary>The error document for what a command wrote to stderr: the first line is the message, the rest the detail.</summary>
    public static string Format(int exitCode, string text, int? status = null)
    {
        var lines = text.Replace("\r\n", "\n").Trim('\n').Split('\n');
        var message = lines[0].Trim();
        var detail = string.Join('\n', lines.Skip(1)).Trim('\n');
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("message", message.Length > 0 ? message : $"failed with exit code {exitCode}");
            writer.WriteString("type", TypeOf(exitCode));
            writer.WriteNumber("exitCode", exitCode);
            if (status is { } s) writer.WriteNumber("status", s);
            if (detail.Length > 0) writer.WriteString("detail", detail);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
