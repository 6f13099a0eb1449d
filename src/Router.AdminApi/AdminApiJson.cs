using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Router.AdminApi;

/// <summary>The admin API's JSON conventions, for the node that writes it and routerctl that reads it.</summary>
public static class AdminApiJson
{
    /// <summary>
    /// Web defaults (camelCase), enums as their names, and quotes or '+' written as they are (not \u0027): answers are
    /// read by people through routerctl and curl, never embedded in HTML.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
