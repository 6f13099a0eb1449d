using System.Text.Json;

namespace Router.Cli;

/// <summary>
/// An admin read may be a partial answer: the node collected what answered in time and names the rest in a
/// <c>notAnswered</c> list (<c>ClusterStatsView.NotAnswered</c>, and any other view that adopts the same mark, at any
/// depth). Whatever the command, that becomes one <c>warning:</c> line on stderr; the answer is still printed and the exit
/// code is still 0.
/// </summary>
internal static class PartialAnswers
{
    public const string Property = "notAnswered";

    public static IReadOnlyList<string> Find(string json)
    {
        var missing = new List<string>();
        try
        {
            using var document = JsonDocument.Parse(json);
            Collect(document.RootElement, missing);
        }
        catch (JsonException)
        {
            // Not JSON: nothing to warn about; the command already said what it could.
        }

        return [.. missing.Distinct(StringComparer.Ordinal)];
    }

    public static void Warn(string json, TextWriter error)
    {
        var missing = Find(json);
        if (missing.Count == 0) return;
        // Members are named by their address; anything else (an endpoint actor, a shard) by its id.
        var noun = missing.All(m => m.StartsWith("akka", StringComparison.Ordinal)) ? "gateway node" : "part";
        error.WriteLine($"warning: {Format.Plural(missing.Count, noun)} did not answer in time and {(missing.Count == 1 ? "is" : "are")} not counted: {string.Join(", ", missing)}");
    }

    private static void Collect(JsonElement element, List<string> missing)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name.Equals(Property, StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.Array)
                        missing.AddRange(property.Value.EnumerateArray().Select(Describe));
                    else
                        Collect(property.Value, missing);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray()) Collect(item, missing);
                break;
        }
    }

    private static string Describe(JsonElement item) => item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetRawText();
}
