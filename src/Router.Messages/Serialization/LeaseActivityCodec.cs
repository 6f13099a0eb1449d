using System.Text;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Messages.Serialization;

/// <summary>
/// A compact binary form for the lease activity one node sends another every few milliseconds (grants it made itself,
/// releases): the busiest message between nodes, one entry per request. Akka's classic transport copies each message's
/// bytes about a dozen times between serializer and socket, so its size is what the cluster allocates per request; in
/// JSON an entry took ~230 bytes, of which field names, the holder's address and the lease id's hex were most. Here a
/// lease id is 16 bytes, a string that repeats (endpoint ids, holders) is written once per message and then referred
/// to by number, and small numbers take a byte. Layout: a format byte, then the fields in declaration order; optional
/// values carry a presence byte. A batch written as JSON by an older node (it starts with '{') is still read.
/// </summary>
internal static class LeaseActivityCodec
{
    private const byte Format1 = 1;

    public static byte[] Encode(LeaseActivityBatch batch) => Encode(writer =>
    {
        writer.Write7BitEncodedInt(batch.Endpoints.Count);
        foreach (var activity in batch.Endpoints) writer.Write(activity);
    });

    public static byte[] Encode(LeaseActivity activity) => Encode(writer => writer.Write(activity));

    public static LeaseActivityBatch DecodeBatch(byte[] bytes)
    {
        var reader = Open(bytes);
        var count = reader.ReadCount();
        var activities = new LeaseActivity[count];
        for (var i = 0; i < count; i++) activities[i] = reader.ReadActivity();
        return new LeaseActivityBatch(activities);
    }

    public static LeaseActivity DecodeActivity(byte[] bytes) => Open(bytes).ReadActivity();

    /// <summary>Whether <paramref name="bytes"/> are JSON (a message from a node that predates this codec).</summary>
    public static bool IsJson(byte[] bytes) => bytes.Length > 0 && bytes[0] == (byte)'{';

    private static byte[] Encode(Action<Writer> body)
    {
        var stream = EncodeBuffer.Rent();
        using (var writer = new Writer(stream))
        {
            writer.Write(Format1);
            body(writer);
        }
        return EncodeBuffer.Return(stream);
    }

    private static Reader Open(byte[] bytes)
    {
        var reader = new Reader(new MemoryStream(bytes, writable: false));
        var format = reader.ReadByte();
        if (format != Format1)
            throw new SerializationException(
                $"Unknown lease activity format {format} (this node reads {Format1}). Are all nodes on the same Router.Messages version?");
        return reader;
    }

    private sealed class Writer(Stream stream) : BinaryWriter(stream, Encoding.UTF8, leaveOpen: true)
    {
        private readonly Dictionary<string, int> _strings = new(StringComparer.Ordinal);

        public void Write(LeaseActivity a)
        {
            WriteShared(a.EndpointId);
            Write7BitEncodedInt(a.Granted.Count);
            foreach (var grant in a.Granted) Write(grant);
            Write7BitEncodedInt(a.Ended.Count);
            foreach (var outcome in a.Ended) Write(outcome);
            Write7BitEncodedInt(a.SparesWanted);
            WriteIds(a.SparesReturned);
            WriteOptionalShared(a.Holder);
            Write(a.SparesAskedAt);
            Write7BitEncodedInt(a.AllowanceWanted);
            Write7BitEncodedInt64(a.AllowanceTokensWanted);
            WriteIds(a.AllowanceReturned);
        }

        private void Write(AcquireLease g)
        {
            WriteShared(g.EndpointId);
            WriteId(g.LeaseId);
            Write7BitEncodedInt64(g.Duration.Ticks);
            Write7BitEncodedInt(g.EstimatedTokens);
            WriteShared(g.Holder);
            WriteOptional(g.GrantBelowInFlight);
            WriteOptionalId(g.AllowanceLot);
        }

        private void Write(ReportOutcome o)
        {
            WriteShared(o.EndpointId);
            WriteId(o.LeaseId);
            Write((byte)o.Kind);
            Write(o.LatencyMs);
            Write(o.TimeToFirstTokenMs.HasValue);
            if (o.TimeToFirstTokenMs is { } ttft) Write(ttft);
            Write7BitEncodedInt(o.PromptTokens);
            Write7BitEncodedInt(o.CompletionTokens);
            WriteOptional(o.RetryAfter?.Ticks);
            Write(o.Provider is not null);
            if (o.Provider is { } p)
            {
                WriteOptional(p.RemainingRequests);
                WriteOptional(p.RemainingTokens);
                WriteOptional(p.ResetRequests?.Ticks);
                WriteOptional(p.ResetTokens?.Ticks);
                WriteOptional(p.LimitRequests);
                WriteOptional(p.LimitTokens);
            }
            Write(o.KeepAsSpare);
        }

        /// <summary>A string that repeats within a message: its number if written before, else 0 and the string.</summary>
        private void WriteShared(string value)
        {
            if (_strings.TryGetValue(value, out var number))
            {
                Write7BitEncodedInt(number);
                return;
            }
            _strings[value] = _strings.Count + 1;
            Write7BitEncodedInt(0);
            Write(value);
        }

        private void WriteOptionalShared(string? value)
        {
            Write(value is not null);
            if (value is not null) WriteShared(value);
        }

        /// <summary>A lease or lot id: 16 bytes when it is a router's own (32 hex digits), else the string.</summary>
        private void WriteId(string id)
        {
            Span<byte> guid = stackalloc byte[16];
            if (id.Length == 32 && Guid.TryParseExact(id, "N", out var parsed) && parsed.TryWriteBytes(guid))
            {
                Write((byte)1);
                Write(guid);
                return;
            }
            Write((byte)0);
            Write(id);
        }

        private void WriteOptionalId(string? id)
        {
            Write(id is not null);
            if (id is not null) WriteId(id);
        }

        private void WriteIds(IReadOnlyList<string>? ids)
        {
            Write(ids is not null);
            if (ids is null) return;
            Write7BitEncodedInt(ids.Count);
            foreach (var id in ids) WriteId(id);
        }

        private void WriteOptional(int? value)
        {
            Write(value.HasValue);
            if (value is { } v) Write(v);
        }

        private void WriteOptional(long? value)
        {
            Write(value.HasValue);
            if (value is { } v) Write(v);
        }
    }

    private sealed class Reader(Stream stream) : BinaryReader(stream, Encoding.UTF8)
    {
        private readonly List<string> _strings = [];

        public int ReadCount()
        {
            var count = Read7BitEncodedInt();
            return count >= 0 ? count : throw new SerializationException($"A lease activity message cannot hold {count} entries.");
        }

        public LeaseActivity ReadActivity()
        {
            var endpointId = ReadShared();
            var granted = new AcquireLease[ReadCount()];
            for (var i = 0; i < granted.Length; i++) granted[i] = ReadGrant();
            var ended = new ReportOutcome[ReadCount()];
            for (var i = 0; i < ended.Length; i++) ended[i] = ReadOutcome();
            return new LeaseActivity(endpointId, granted, ended, Read7BitEncodedInt(), ReadIds(), ReadOptionalShared(), ReadInt64(),
                Read7BitEncodedInt(), Read7BitEncodedInt64(), ReadIds());
        }

        private AcquireLease ReadGrant() =>
            new(ReadShared(), ReadId(), TimeSpan.FromTicks(Read7BitEncodedInt64()), Read7BitEncodedInt(), ReadShared(), ReadOptionalInt(),
                ReadBoolean() ? ReadId() : null);

        private ReportOutcome ReadOutcome()
        {
            var (endpointId, leaseId) = (ReadShared(), ReadId());
            var kind = ReadByte();
            if (!Enum.IsDefined(typeof(OutcomeKind), (int)kind)) throw new SerializationException($"Unknown outcome kind {kind}.");
            var latency = ReadDouble();
            double? ttft = ReadBoolean() ? ReadDouble() : null;
            var (prompt, completion) = (Read7BitEncodedInt(), Read7BitEncodedInt());
            var retryAfter = Ticks(ReadOptionalLong());
            var provider = ReadBoolean()
                ? new ProviderRateLimits(ReadOptionalInt(), ReadOptionalLong(), Ticks(ReadOptionalLong()), Ticks(ReadOptionalLong()),
                    ReadOptionalInt(), ReadOptionalLong())
                : null;
            return new ReportOutcome(endpointId, leaseId, (OutcomeKind)kind, latency, ttft, prompt, completion, retryAfter, provider, ReadBoolean());
        }

        private string ReadShared()
        {
            var number = Read7BitEncodedInt();
            if (number == 0)
            {
                var value = ReadString();
                _strings.Add(value);
                return value;
            }
            return number <= _strings.Count ? _strings[number - 1] : throw new SerializationException($"No string {number} in this message.");
        }

        private string? ReadOptionalShared() => ReadBoolean() ? ReadShared() : null;

        private string ReadId()
        {
            if (ReadByte() == 0) return ReadString();
            Span<byte> guid = stackalloc byte[16];
            ReadExactly(guid);
            return new Guid(guid).ToString("N");
        }

        private IReadOnlyList<string>? ReadIds()
        {
            if (!ReadBoolean()) return null;
            var ids = new string[ReadCount()];
            for (var i = 0; i < ids.Length; i++) ids[i] = ReadId();
            return ids;
        }

        private int? ReadOptionalInt() => ReadBoolean() ? ReadInt32() : null;

        private long? ReadOptionalLong() => ReadBoolean() ? ReadInt64() : null;

        private static TimeSpan? Ticks(long? ticks) => ticks is { } t ? TimeSpan.FromTicks(t) : null;
    }
}
