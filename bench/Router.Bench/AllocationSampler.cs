using System.Diagnostics.Tracing;

namespace Router.Bench;

/// <summary>
/// Which types a phase allocates, from the runtime's allocation ticks (one event per ~100 KB allocated, naming the type
/// of the object that crossed the mark): a statistical profile, cheap enough to run with the load (<c>--alloc-types</c>).
/// </summary>
public sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly Dictionary<string, long> _bytesByType = new(StringComparer.Ordinal);
    private volatile bool _recording;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!_recording || e.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null) return;
        var typeIndex = e.PayloadNames!.IndexOf("TypeName");
        var amountIndex = e.PayloadNames.IndexOf("AllocationAmount64");
        if (typeIndex < 0) return;
        var type = e.Payload[typeIndex] as string ?? "?";
        var kindIndex = e.PayloadNames.IndexOf("AllocationKind");
        if (kindIndex >= 0 && Convert.ToInt32(e.Payload[kindIndex]) == 1) type += " (large-object heap)";
        var amount = amountIndex >= 0 ? Convert.ToInt64(e.Payload[amountIndex]) : 100_000;
        lock (_bytesByType) _bytesByType[type] = _bytesByType.GetValueOrDefault(type) + amount;
    }

    public void Start()
    {
        lock (_bytesByType) _bytesByType.Clear();
        _recording = true;
    }

    /// <summary>The <paramref name="top"/> types by sampled bytes, with their share of all sampled bytes and bytes per decision.</summary>
    public IReadOnlyList<(string Type, double Share, double BytesPerDecision)> Stop(long decisions, int top = 15)
    {
        _recording = false;
        lock (_bytesByType)
        {
            var total = Math.Max(1, _bytesByType.Values.Sum());
            return _bytesByType.OrderByDescending(t => t.Value).Take(top)
                .Select(t => (t.Key, (double)t.Value / total, (double)t.Value / Math.Max(1, decisions))).ToList();
        }
    }
}
