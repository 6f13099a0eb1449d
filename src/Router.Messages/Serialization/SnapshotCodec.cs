using System.Text;
using Router.Messages.Endpoints;

namespace Router.Messages.Serialization;

/// <summary>
/// A compact binary form for the snapshot gossip, the one message whose volume grows with endpoints x nodes (every
/// endpoint that changed, to every node, ten times a second), where JSON's field names and number text dominated the
/// cost. Lease activity has its own binary form (<see cref="LeaseActivityCodec"/>); every other message stays JSON.
/// Layout: a format byte, then the fields in declaration order; nullable values carry a presence byte. A new field goes
/// at the end under a new format byte, read by both versions' decoders. Format 2 (written now) adds the latest lease
/// deadline per holder; format 1 is still read, without it.
/// </summary>
internal static class SnapshotCodec
{
    private const byte Format1 = 1;
    // Adds the latest lease deadline per holder, after the holders.
    private const byte Format2 = 2;

    public static byte[] Encode(EndpointSnapshotBatch batch) => Encode(writer =>
    {
        writer.Write(batch.Snapshots.Count);
        foreach (var snapshot in batch.Snapshots) Write(writer, snapshot);
    });

    public static byte[] Encode(EndpointSnapshot snapshot) => Encode(writer => Write(writer, snapshot));

    private static byte[] Encode(Action<BinaryWriter> body)
    {
        var stream = EncodeBuffer.Rent();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Format2);
            body(writer);
        }
        return EncodeBuffer.Return(stream);
    }

    public static EndpointSnapshotBatch DecodeBatch(byte[] bytes)
    {
        using var reader = Open(bytes, out var format);
        var count = reader.ReadInt32();
        if (count < 0) throw new SerializationException($"A snapshot batch cannot hold {count} snapshots.");
        var snapshots = new EndpointSnapshot[count];
        for (var i = 0; i < count; i++) snapshots[i] = Read(reader, format);
        return new EndpointSnapshotBatch(snapshots);
    }

    public static EndpointSnapshot DecodeSnapshot(byte[] bytes)
    {
        using var reader = Open(bytes, out var format);
        return Read(reader, format);
    }

    private static BinaryReader Open(byte[] bytes, out byte format)
    {
        var reader = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
        format = reader.ReadByte();
        if (format is not (Format1 or Format2))
            throw new SerializationException(
                $"Unknown snapshot format {format} (this node reads {Format1} and {Format2}). Are all nodes on the same Router.Messages version?");
        return reader;
    }

    private static void Write(BinaryWriter w, EndpointSnapshot s)
    {
        w.Write(s.EndpointId);
        w.Write(s.Incarnation);
        w.Write(s.Sequence);
        WriteTime(w, s.TakenAt);
        w.Write(s.InFlight);
        w.Write(s.PeakInFlight);
        WriteStats(w, s.Latency);
        WriteStats(w, s.TimeToFirstToken);
        WriteOptionalTime(w, s.LastSampleAt);
        w.Write(s.RequestsLastMinute);
        w.Write(s.TokensLastMinute);
        w.Write((byte)s.Circuit);
        WriteOptionalTime(w, s.CooldownUntil);
        w.Write(s.ConsecutiveFailures);
        w.Write(s.Drained);
        w.Write(s.TotalRequests);
        w.Write(s.TotalFailures);
        WriteOptional(w, s.ProviderRemainingRequests);
        WriteOptional(w, s.ProviderRemainingTokens);
        WriteOptional(w, s.ProviderLimitRequests);
        WriteOptional(w, s.ProviderLimitTokens);
        WriteByHolder(w, s.InFlightByHolder, (writer, count) => writer.Write(count));
        WriteByHolder(w, s.LatestDeadlineByHolder, WriteTime); // format 2 on
    }

    private static void WriteByHolder<T>(BinaryWriter w, IReadOnlyDictionary<string, T>? byHolder, Action<BinaryWriter, T> writeValue)
    {
        if (byHolder is null)
        {
            w.Write(-1);
            return;
        }
        w.Write(byHolder.Count);
        foreach (var (holder, value) in byHolder)
        {
            w.Write(holder);
            writeValue(w, value);
        }
    }

    private static EndpointSnapshot Read(BinaryReader r, byte format) =>
        // Arguments are evaluated in the order written, which is the order on the wire.
        new(
            EndpointId: r.ReadString(),
            Incarnation: r.ReadInt64(),
            Sequence: r.ReadInt64(),
            TakenAt: ReadTime(r),
            InFlight: r.ReadInt32(),
            PeakInFlight: r.ReadInt32(),
            Latency: ReadStats(r),
            TimeToFirstToken: ReadStats(r),
            LastSampleAt: ReadOptionalTime(r),
            RequestsLastMinute: r.ReadInt32(),
            TokensLastMinute: r.ReadInt64(),
            Circuit: ReadCircuit(r),
            CooldownUntil: ReadOptionalTime(r),
            ConsecutiveFailures: r.ReadInt32(),
            Drained: r.ReadBoolean(),
            TotalRequests: r.ReadInt64(),
            TotalFailures: r.ReadInt64(),
            ProviderRemainingRequests: r.ReadBoolean() ? r.ReadInt32() : null,
            ProviderRemainingTokens: r.ReadBoolean() ? r.ReadInt64() : null,
            ProviderLimitRequests: r.ReadBoolean() ? r.ReadInt32() : null,
            ProviderLimitTokens: r.ReadBoolean() ? r.ReadInt64() : null,
            InFlightByHolder: ReadByHolder(r, reader => reader.ReadInt32()),
            LatestDeadlineByHolder: format >= Format2 ? ReadByHolder(r, ReadTime) : null);

    /// <summary>A count (-1 for none), then a holder and its value per entry.</summary>
    private static Dictionary<string, T>? ReadByHolder<T>(BinaryReader r, Func<BinaryReader, T> readValue)
    {
        var count = r.ReadInt32();
        if (count < 0) return null;
        var byHolder = new Dictionary<string, T>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++) byHolder[r.ReadString()] = readValue(r);
        return byHolder;
    }

    private static CircuitState ReadCircuit(BinaryReader r)
    {
        var value = r.ReadByte();
        return Enum.IsDefined(typeof(CircuitState), (int)value)
            ? (CircuitState)value
            : throw new SerializationException($"Unknown circuit state {value} in a snapshot.");
    }

    private static void WriteStats(BinaryWriter w, WindowStats stats)
    {
        var sampled = stats != WindowStats.None; // an endpoint not yet sampled: one byte
        w.Write(sampled);
        if (!sampled) return;
        w.Write(stats.Samples);
        w.Write(stats.MeanMs);
        w.Write(stats.P50Ms);
        w.Write(stats.P95Ms);
    }

    private static WindowStats ReadStats(BinaryReader r) =>
        r.ReadBoolean() ? new WindowStats(r.ReadInt32(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble()) : WindowStats.None;

    private static void WriteTime(BinaryWriter w, DateTimeOffset time)
    {
        w.Write(time.UtcTicks);
        w.Write((short)time.Offset.TotalMinutes);
    }

    private static DateTimeOffset ReadTime(BinaryReader r)
    {
        var utcTicks = r.ReadInt64();
        var offset = TimeSpan.FromMinutes(r.ReadInt16());
        return new DateTimeOffset(utcTicks, TimeSpan.Zero).ToOffset(offset);
    }

    private static void WriteOptionalTime(BinaryWriter w, DateTimeOffset? time)
    {
        w.Write(time.HasValue);
        if (time is { } value) WriteTime(w, value);
    }

    private static DateTimeOffset? ReadOptionalTime(BinaryReader r) => r.ReadBoolean() ? ReadTime(r) : null;

    private static void WriteOptional(BinaryWriter w, int? value)
    {
        w.Write(value.HasValue);
        if (value is { } v) w.Write(v);
    }

    private static void WriteOptional(BinaryWriter w, long? value)
    {
        w.Write(value.HasValue);
        if (value is { } v) w.Write(v);
    }
}
