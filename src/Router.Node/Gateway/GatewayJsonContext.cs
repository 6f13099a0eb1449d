using System.Text.Json.Serialization;

namespace Router.Node.Gateway;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ErrorEnvelope))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ModelEntry))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;

internal sealed record ModelList(string Object, IReadOnlyList<ModelEntry> Data);

internal sealed record ModelEntry(string Id, string Object, long Created, string OwnedBy)
{
    public static ModelEntry Of(string group) => new(group, "model", 0, "llm-router");
}
