using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Akka.Actor;
using Akka.Serialization;
using Router.Messages.Endpoints;

namespace Router.Messages.Serialization;

/// <summary>
/// The one serializer for <see cref="IRouterMessage"/>: System.Text.Json with source-generated
/// metadata, and an explicit manifest per message (<see cref="WireManifests"/>: renaming a record is not a wire change). Snapshots, the gossip
/// that grows with endpoints x nodes, use a compact binary form instead (<see cref="SnapshotCodec"/>).
/// </summary>
public sealed class RouterMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Akka serializer id; ids below 100 are reserved by Akka itself.</summary>
    public const int SerializerId = 4711;

    /// <summary>The name under which the serializer is registered in HOCON / Akka.Hosting.</summary>
    public const string SerializerName = "llm-router";

    private static readonly FrozenDictionary<Type, (JsonTypeInfo Info, string Manifest)> InfoByType = BuildTypeMap();
    private static readonly FrozenDictionary<string, JsonTypeInfo> InfoByManifest =
        InfoByType.Values.ToFrozenDictionary(entry => entry.Manifest, entry => entry.Info, StringComparer.Ordinal);

    public override int Identifier => SerializerId;

    /// <summary>Every message type this serializer can carry.</summary>
    public static IEnumerable<Type> SupportedTypes => InfoByType.Keys;

    /// <summary>Every message type's manifest (see <see cref="WireManifests"/>).</summary>
    public static IReadOnlyDictionary<Type, string> Manifests => WireManifests.ByType;

    /// <summary>Manifests of removed messages, never reused.</summary>
    public static IReadOnlyList<string> RetiredManifests => WireManifests.Retired;

    public override string Manifest(object o) => Lookup(o.GetType()).Manifest;

    public override byte[] ToBinary(object obj)
    {
        var (info, manifest) = Lookup(obj.GetType());
        var bytes = obj switch
        {
            EndpointSnapshotBatch batch => SnapshotCodec.Encode(batch),
            EndpointSnapshot snapshot => SnapshotCodec.Encode(snapshot),
            LeaseActivityBatch batch => LeaseActivityCodec.Encode(batch),
            LeaseActivity activity => LeaseActivityCodec.Encode(activity),
            _ => JsonSerializer.SerializeToUtf8Bytes(obj, info),
        };
        WireTraffic.Sent(manifest, bytes.Length);
        return bytes;
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!InfoByManifest.TryGetValue(manifest, out var info))
            throw new SerializationException(
                $"Unknown router message manifest '{manifest}'. Are all nodes on the same Router.Messages version?");
        if (info.Type == typeof(EndpointSnapshotBatch)) return SnapshotCodec.DecodeBatch(bytes);
        if (info.Type == typeof(EndpointSnapshot)) return SnapshotCodec.DecodeSnapshot(bytes);
        if (info.Type == typeof(LeaseActivityBatch) && !LeaseActivityCodec.IsJson(bytes)) return LeaseActivityCodec.DecodeBatch(bytes);
        if (info.Type == typeof(LeaseActivity) && !LeaseActivityCodec.IsJson(bytes)) return LeaseActivityCodec.DecodeActivity(bytes);
        return JsonSerializer.Deserialize(bytes, info)
               ?? throw new SerializationException($"Router message '{manifest}' deserialized to null.");
    }

    private static (JsonTypeInfo Info, string Manifest) Lookup(Type type) =>
        InfoByType.TryGetValue(type, out var entry)
            ? entry
            : throw new ArgumentException(
                $"{type.FullName} is not registered in {nameof(RouterJsonContext)}; add a [JsonSerializable] attribute for it.");

    private static FrozenDictionary<Type, (JsonTypeInfo, string)> BuildTypeMap()
    {
        var context = RouterJsonContext.Default;
        return typeof(IRouterMessage).Assembly.GetTypes()
            .Where(t => typeof(IRouterMessage).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false })
            .ToFrozenDictionary(
                t => t,
                t => (context.GetTypeInfo(t)
                      ?? throw new InvalidOperationException(
                          $"{t.FullName} implements {nameof(IRouterMessage)} but has no [JsonSerializable] entry in {nameof(RouterJsonContext)}."),
                    WireManifests.ByType.GetValueOrDefault(t)
                      ?? throw new InvalidOperationException(
                          $"{t.FullName} implements {nameof(IRouterMessage)} but has no manifest in {nameof(WireManifests)}.")));
    }
}

public sealed class SerializationException(string message) : Exception(message);
