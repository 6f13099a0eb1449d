using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Router.AdminApi;

namespace Router.Cli;

/// <summary>The admin API's JSON conventions (<see cref="AdminApiJson"/>): web defaults (camelCase), enums as strings.</summary>
internal static class AdminJson
{
    /// <summary>For reading responses: exactly the contract's settings.</summary>
    public static JsonSerializerOptions Read => AdminApiJson.Options;

    /// <summary>For request bodies: the same, but nulls are left out (a patch sends only what changes).</summary>
    public static JsonSerializerOptions Write { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Write);

    /// <summary>Re-indents a response body for <c>--json</c>; a body that is not JSON is returned as it is.</summary>
    public static string Pretty(string raw)
    {
        try
        {
            using var document = JsonDocument.Parse(raw);
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, Indented))
            {
                document.WriteTo(writer);
            }

            return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        }
        catch (JsonException)
        {
            return raw;
        }
    }
}
