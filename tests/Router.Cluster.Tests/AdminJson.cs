using System.Text.Json;
using System.Text.Json.Serialization;

namespace Router.Cluster.Tests;

public static class AdminJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
}
