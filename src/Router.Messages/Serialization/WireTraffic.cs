using System.Collections.Frozen;

namespace Router.Messages.Serialization;

/// <summary>
/// Router messages and bytes this process serialized for the network (Akka serializes only what crosses it), per
/// message type. What a request costs the cluster is read from here: acquires, grants, releases, renewals, snapshot
/// gossip. Process-wide: nodes sharing a process (tests, benchmarks) share the counts. Akka's own traffic (cluster
/// gossip, heartbeats, Distributed Data) goes through Akka's serializers and is not counted.
/// </summary>
public static class WireTraffic
{
    private static readonly FrozenDictionary<string, Counter> ByManifest =
        RouterMessageSerializer.Manifests.Values.ToFrozenDictionary(m => m, _ => new Counter(), StringComparer.Ordinal);

    private sealed class Counter
    {
        public long Messages;
        public long Bytes;
    }

    internal static void Sent(string manifest, int bytes)
    {
        if (!ByManifest.TryGetValue(manifest, out var counter)) return;
        Interlocked.Increment(ref counter.Messages);
        Interlocked.Add(ref counter.Bytes, bytes);
    }

    /// <summary>Totals since the process started, per message type that was sent at least once.</summary>
    public static IEnumerable<(string Message, long Messages, long Bytes)> Totals()
    {
        foreach (var (manifest, counter) in ByManifest)
        {
            var messages = Interlocked.Read(ref counter.Messages);
            if (messages > 0) yield return (manifest, messages, Interlocked.Read(ref counter.Bytes));
        }
    }
}
