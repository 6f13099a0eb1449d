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
    public const string StrictModel = "strict";
    public const string FencedModel = "fenced";
    /// <summary>Three equal endpoints, no caps, least-busy: how evenly the gateways spread load they share.</summary>
    public const string SpreadModel = "spread";
    private readonly string _workDirectory = Directory.CreateTempSubdirectory("router-cluster-").FullName;

    public List<SimulatedEndpoint> Simulators { get; } = [];
    public SimulatedEndpoint Limited { get; private set; } = null!;

    /// <summary>The one endpoint of <see cref="FencedModel"/>: MaxInFlight 1 with the default (available) fencing.</summary>
    public SimulatedEndpoint Fenced { get; private set; } = null!;

    /// <summary>The one endpoint of <see cref="StrictModel"/>: MaxInFlight 1 with strict fencing.</summary>
    public SimulatedEndpoint Strict { get; private set; } = null!;

    /// <summary>The endpoints of <see cref="SpreadModel"/>.</summary>
    public List<SimulatedEndpoint> Spread { get; } = [];
    public List<NodeProcess> Nodes { get; } = [];

    /// <summary>How often a test polls the nodes' admin APIs: three node processes share a 2-core machine with the test.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    public NodeProcess this[int index] => Nodes[index];

    /// <param name="partitionable">Start each node in a cgroup of its own, so a <see cref="LoopbackPartition"/> can cut it off.</param>
    public static async Task<ProcessCluster> StartAsync(bool partitionable = false)
    {
        var cluster = new ProcessCluster();
        try
        {
            await cluster.StartAllAsync(partitionable);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private readonly List<LoopbackPartition.Group> _cgroups = [];

    private async Task StartAllAsync(bool partitionable)
    {
        foreach (var name in new[] { "sim-a", "sim-b", "sim-c", "sim-d", "sim-e", "sim-f" })
            Simulators.Add(await SimulatedEndpoint.StartAsync(new SimulatorOptions { Name = name, LatencyMs = 30, TimeToFirstTokenMs = 10 }));
        Limited = await SimulatedEndpoint.StartAsync(new SimulatorOptions { Name = "limited", LatencyMs = 5 });
        Strict = await SimulatedEndpoint.StartAsync(new SimulatorOptions { Name = "strict", LatencyMs = 5 });
        Fenced = await SimulatedEndpoint.StartAsync(new SimulatorOptions { Name = "fenced", LatencyMs = 5 });
        foreach (var name in new[] { "spread-1", "spread-2", "spread-3" })
            Spread.Add(await SimulatedEndpoint.StartAsync(new SimulatorOptions { Name = name, LatencyMs = 200 }));

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
            $"--ModelGroups:{StrictModel}:Endpoints:strict:Url={Strict.ApiBaseUrl}",
            $"--ModelGroups:{StrictModel}:Endpoints:strict:MaxInFlight=1",
            $"--ModelGroups:{StrictModel}:Endpoints:strict:Fencing=strict",
            $"--ModelGroups:{FencedModel}:Endpoints:fenced:Url={Fenced.ApiBaseUrl}",
            $"--ModelGroups:{FencedModel}:Endpoints:fenced:MaxInFlight=1",
            $"--ModelGroups:{SpreadModel}:Strategy=least-busy",
        };
        foreach (var sim in Spread) shared.Add($"--ModelGroups:{SpreadModel}:Endpoints:{sim.Options.Name}:Url={sim.ApiBaseUrl}");
        foreach (var sim in Simulators)
        {
            var id = sim.Options.Name;
            shared.Add($"--ModelGroups:{Model}:Endpoints:{id}:Url={sim.ApiBaseUrl}");
            shared.Add($"--ModelGroups:{Model}:Endpoints:{id}:MaxInFlight={MaxInFlight}");
        }

        for (var i = 0; i < 3; i++)
        {
            var cgroup = partitionable ? LoopbackPartition.CreateCgroup() : null;
            if (cgroup is not null) _cgroups.Add(cgroup);
            Nodes.Add(new NodeProcess($"gateway-{i + 1}", akkaPorts[i], shared, _workDirectory) { Cgroup = cgroup?.Name });
        }
        foreach (var node in Nodes) node.Start();
        foreach (var node in Nodes) await node.WaitHealthyAsync(TimeSpan.FromSeconds(60));
        await Eventually.Until(async () => (await Nodes[0].ClusterAsync()).Members.Count(m => m.Status == "Up") == 3,
            "all three nodes are up", TimeSpan.FromSeconds(60), ProcessCluster.PollInterval, Eventually.TransientHttp);
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

    /// <summary>The node whose region hosts <paramref name="endpointId"/>'s actor (started by an earlier request), and the two others.</summary>
    public async Task<(int Host, NodeProcess[] Others)> HostOfAsync(string endpointId)
    {
        var address = (await Nodes[0].ShardingAsync()).Regions.Single(r => (r.EndpointIds ?? []).Contains(endpointId)).Address;
        var host = Nodes.FindIndex(n => n.Address == address);
        return (host, Nodes.Where((_, i) => i != host).ToArray());
    }

    public string Logs() => string.Join("\n\n", Nodes.Select(n => $"== {n.Name} ==\n{n.LogTail()}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Enumerable.Reverse(Nodes)) await node.DisposeAsync();
        foreach (var cgroup in _cgroups) cgroup.Dispose();
        foreach (var sim in Simulators) await sim.DisposeAsync();
        if (Limited is not null) await Limited.DisposeAsync();
        if (Strict is not null) await Strict.DisposeAsync();
        foreach (var sim in Spread) await sim.DisposeAsync();
        if (Fenced is not null) await Fenced.DisposeAsync();
        try { Directory.Delete(_workDirectory, recursive: true); } catch (IOException) { }
    }
}
