using Router.Simulator;

namespace Router.Cluster.Tests;

/// <summary>
/// Three Router.Node processes joined into one cluster on loopback (gateway-1 and gateway-2 are the seeds),
/// routing to simulated endpoints that run in this test process.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    public const string Model = "gpt-4o-mini";
    public const string LimitedModel = "limited";
    public const int MaxInFlight = 3;
    public const int LimitedRpm = 30;
    private readonly string _workDirectory = Directory.CreateTempSubdirectory("router-cluster-").FullName;

    public List<SimulatedEndpoint> Simulators { get; } = [];
    public SimulatedEndpoint Limited { get; private set; } = null!;
    public List<NodeProcess> Nodes { get; } = [];
    public NodeProcess this[int index] => Nodes[index];

    public static async Task<ProcessCluster> StartAsync()
    {
        var cluster = new ProcessCluster();
        try
        {
            await cluster.StartAllAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task StartAllAsync()
    {
        foreach (var name in new[] { "sim-a", "sim-b", "sim-c", "sim-d", "sim-e", "sim-f" })
            Simulators.Add(await SimulatedEndpoint.StartAsync(new SimulatorOptions { Name = name, LatencyMs = 30, TimeToFirstTokenMs = 10 }));
        Limited = await SimulatedEndpoint.StartAsync(new SimulatorOptions { Name = "limited", LatencyMs = 5 });

        var akkaPorts = Enumerable.Range(0, 3).Select(_ => FreePorts.Next()).ToArray();
        var shared = new List<string>
        {
            $"--Cluster:SeedNodes:0=akka.tcp://llm-router@127.0.0.1:{akkaPorts[0]}",
            $"--Cluster:SeedNodes:1=akka.tcp://llm-router@127.0.0.1:{akkaPorts[1]}",
            "--Registry:Provider=sqlite", $"--Registry:ConnectionString=Data Source={Path.Combine(_workDirectory, "registry.db")}",
            "--Registry:SharedFile=true", // one file on this host that all three processes open
            "--Gateway:ShutdownDrainSeconds=20",
            $"--ModelGroups:{LimitedModel}:Endpoints:limited:Url={Limited.ApiBaseUrl}",
            $"--ModelGroups:{LimitedModel}:Endpoints:limited:Rpm={LimitedRpm}",
        };
        foreach (var sim in Simulators)
        {
            var id = sim.Options.Name;
            shared.Add($"--ModelGroups:{Model}:Endpoints:{id}:Url={sim.ApiBaseUrl}");
            shared.Add($"--ModelGroups:{Model}:Endpoints:{id}:MaxInFlight={MaxInFlight}");
        }

        for (var i = 0; i < 3; i++) Nodes.Add(new NodeProcess($"gateway-{i + 1}", akkaPorts[i], shared, _workDirectory));
        foreach (var node in Nodes) node.Start();
        foreach (var node in Nodes) await node.WaitHealthyAsync(TimeSpan.FromSeconds(60));
        await WaitUntilAsync(async () => (await Nodes[0].ClusterAsync()).Members.Count(m => m.Status == "Up") == 3,
            "all three nodes are up", TimeSpan.FromSeconds(60));
    }

    /// <summary>Starts a node again with the same ports and configuration (after a crash or a stop).</summary>
    public async Task RestartAsync(int index)
    {
        var old = Nodes[index];
        var again = old.Recreate();
        Nodes[index] = again;
        await old.DisposeAsync();
        again.Start();
        await again.WaitHealthyAsync(TimeSpan.FromSeconds(60));
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (await condition()) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out after {timeout} waiting until {what}.");
            await Task.Delay(200);
        }
    }

    public string Logs() => string.Join("\n\n", Nodes.Select(n => $"== {n.Name} ==\n{n.LogTail()}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Enumerable.Reverse(Nodes)) await node.DisposeAsync();
        foreach (var sim in Simulators) await sim.DisposeAsync();
        if (Limited is not null) await Limited.DisposeAsync();
        try { Directory.Delete(_workDirectory, recursive: true); } catch (IOException) { }
    }
}
