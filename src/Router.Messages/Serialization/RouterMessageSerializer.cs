using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Akka.Actor;
using Akka.Serialization;
using Router.Messages.Endpoints;

namespace Router.Messages.Serialization;

/// <summary>
/// The one serializer for <see cref="IRouterMessage"/>: System.Text.Json with source-generated
/// metadata, and the message's type name as manifest (so renaming a message is a wire change). Snapshots, the gossip
/// that grows with endpoints x nodes, use a compact binary form instead (<see cref="SnapshotCodec"/>).
/// </summary>
public sealed class RouterMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Akka serializer id; ids below 100 are reserved by Akka itself.</summary>
    public const int SerializerId = 4711;

    /// <summary>The name under which the serializer is registered in HOCON / Akka.Hosting.</summary>
    public const string SerializerName = "llm-router";

    private static readonly FrozenDictionary<Type, JsonTypeInfo> InfoByType = BuildTypeMap();
    private static readonly FrozenDictionary<string, JsonTypeInfo> InfoByManifest =
        InfoByType.Values.ToFrozenDictionary(info => info.Type.Name, StringComparer.Ordinal);

    public override int Identifier => SerializerId;

    /// <summary>Every message type this serializer can carry.</summary>
    public static IEnumerable<Type> SupportedTypes => InfoByType.Keys;

    public override string Manifest(object o) => Lookup(o.GetType()).Type.Name;

    public override byte[] ToBinary(object obj)
    {
        var info = Lookup(obj.GetType());
        var bytes = obj switch
        {
            EndpointSnapshotBatch batch => SnapshotCodec.Encode(batch),
            EndpointSnapshot snapshot => SnapshotCodec.Encode(snapshot),
            _ => JsonSerializer.SerializeToUtf8Bytes(obj, info),
        };
        WireTraffic.Sent(info.Type.Name, bytes.Length);
        return bytes;
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!InfoByManifest.TryGetValue(manifest, out var info))
            throw new SerializationException(
                $"Unknown router message manifest '{manifest}'. Are all nodes on the same Router.Messages version?");
        if (info.Type == typeof(EndpointSnapshotBatch)) return SnapshotCodec.DecodeBatch(bytes);
        if (info.Type == typeof(EndpointSnapshot)) return SnapshotCodec.DecodeSnapshot(bytes);
        return JsonSerializer.Deserialize(bytes, info)
               ?? throw new SerializationException($"Router message '{manifest}' deserialized to null.");
    }

    private static JsonTypeInfo Lookup(Type type) =>
        InfoByType.TryGetValue(type, out var info)
            ? info
            : throw new ArgumentException(
                $"{type.FullName} is not registered in {nameof(RouterJsonContext)}; add a [JsonSerializable] attribute for it.");

    private static FrozenDictionary<Type, JsonTypeInfo> BuildTypeMap()
    {
        var context = RouterJsonContext.Default;
        return typeof(IRouterMessage).Assembly.GetTypes()
            .Where(t => typeof(IRouterMessage).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false })
            .ToFrozenDictionary(
                t => t,
                t => context.GetTypeInfo(t)
                     ?? throw new InvalidOperationException(
                         $"{t.FullName} implements {nameof(IRouterMessage)} but has no [JsonSerializable] entry in {nameof(RouterJsonContext)}."));
    }
}

public sealed class SerializationException(string message) : Exception(message);
