using System.Diagnostics;
using System.Text.Json;
using Akka.Actor;
using Router.Messages.Endpoints;
using Router.Messages.Serialization;

namespace Router.Bench;

/// <summary>
/// The snapshot gossip's wire form against JSON, in one process: bytes and encode+decode time of a batch like the ones
/// a node sends every 100 ms (every endpoint it hosts changed, sampled, held by three gateways).
/// </summary>
public static class SnapshotCodecComparison
{
    public static void Run(int snapshots = 100, int rounds = 20_000)
    {
        var at = DateTimeOffset.UtcNow;
        var batch = new EndpointSnapshotBatch(Enumerable.Range(0, snapshots).Select(i => new EndpointSnapshot(
            $"endpoint-{i:000}", at.UtcTicks, 10_000 + i, at, 5, 12,
            new WindowStats(100, 812.5, 790, 1400), new WindowStats(100, 210, 200, 380), at,
            1_200, 450_000, CircuitState.Closed, null, 0, false, 123_456, 17,
            InFlightByHolder: new Dictionary<string, int>
            {
                ["akka.tcp://llm-router@10.0.0.5:4053#1827364"] = 2,
                ["akka.tcp://llm-router@10.0.0.6:4053#9182736"] = 2,
                ["akka.tcp://llm-router@10.0.0.7:4053#5647382"] = 1,
            })).ToList());

        using var system = ActorSystem.Create("codec-comparison");
        var serializer = new RouterMessageSerializer((ExtendedActorSystem)system);
        var manifest = serializer.Manifest(batch);
        var info = RouterJsonContext.Default.EndpointSnapshotBatch;

        var json = Measure("json", rounds, () => JsonSerializer.SerializeToUtf8Bytes(batch, info), bytes => JsonSerializer.Deserialize(bytes, info));
        var binary = Measure("binary", rounds, () => serializer.ToBinary(batch), bytes => serializer.FromBinary(bytes, manifest));
        Console.WriteLine($"Snapshot batch of {snapshots} ({rounds:N0} rounds each, after warm-up):");
        foreach (var (name, bytes, micros, allocated) in new[] { json, binary })
            Console.WriteLine($"  {name,-6} {bytes,7:N0} bytes  {micros,8:F1} us encode+decode  {allocated,9:N0} B allocated per round");
        Console.WriteLine($"  binary vs json: {(double)binary.Bytes / json.Bytes:F2}x the bytes, {binary.Micros / json.Micros:F2}x the time, " +
                          $"{(double)binary.Allocated / json.Allocated:F2}x the allocations");
    }

    private static (string Name, int Bytes, double Micros, long Allocated) Measure(string name, int rounds, Func<byte[]> encode, Func<byte[], object?> decode)
    {
        var size = 0;
        for (var i = 0; i < rounds / 10; i++) size = encode().Length + (decode(encode()) is null ? 1 : 0); // warm-up (JIT tiers)
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < rounds; i++) decode(encode());
        var elapsed = clock.Elapsed;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        return (name, size, elapsed.TotalMicroseconds / rounds, allocated / rounds);
    }
}
