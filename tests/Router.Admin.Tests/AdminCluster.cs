using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration;
using Router.Cli;
using Router.Node;
using Router.Simulator;

namespace Router.Admin.Tests;

/// <summary>
/// Two gateway nodes (A and B) in this process, joined into one cluster, sharing one SQLite registry file
/// (or, with <see cref="RegistryPerNode"/>, each with its own file and Registry:AllowLocal, like two hosts),
/// in front of two simulated endpoints. Model groups each test owns: route, drain, bad, concurrent, org/model.
/// </summary>
public sealed class AdminCluster : IAsyncLifetime
{
    /// <summary>Each node its own SQLite file (Registry:AllowLocal) instead of one shared file.</summary>
    public bool RegistryPerNode { get; init; }

    /// <summary>
    /// The registry's journal: "sqlite" (one file both nodes open) or "postgresql" (a fresh database of its own on the
    /// server <see cref="RegistryProviders.PostgresVariable"/> names, dropped at the end).
    /// </summary>
    public string Provider { get; init; } = "sqlite";

    private string? _postgresDatabase;

    /// <summary>The PostgreSQL database of this cluster's journal (provider "postgresql").</summary>
    public string? PostgresDatabase => _postgresDatabase;

    public const string Token = "admin-test-token";
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
    private readonly string _directory = Directory.CreateTempSubdirectory("router-admin-").FullName;
    private readonly int[] _akkaPorts = [FreePorts.Next(), FreePorts.Next()];

    public SimulatedEndpoint Fast { get; private set; } = null!;
    public SimulatedEndpoint Slow { get; private set; } = null!;
    public GatewayNode A { get; private set; } = null!;
    public GatewayNode B { get; private set; } = null!;
    public string RegistryFile => Path.Combine(_directory, "registry.db");
    private string RegistryFileOf(int akkaPort) => RegistryPerNode ? Path.Combine(_directory, $"registry-{akkaPort}.db") : RegistryFile;

    public async Task InitializeAsync()
    {
        if (Provider == "postgresql") _postgresDatabase = await RegistryProviders.CreateDatabaseAsync();
        Fast = await SimulatedEndpoint.StartAsync(new SimulatorOptions { Name = "fast", LatencyMs = 1, TimeToFirstTokenMs = 0, TokensPerSecond = 0 });
        Slow = await SimulatedEndpoint.StartAsync(new SimulatorOptions { Name = "slow", LatencyMs = 5000 }); // outlasts a drain seen on a loaded machine
        await StartNodesAsync();
    }

    public async Task StartNodesAsync()
    {
        A = await StartNodeAsync(_akkaPorts[0]);
        B = await StartNodeAsync(_akkaPorts[1]);
        await Eventually.Until(() => Ctl(A, "cluster", "show", "--json"), r => r.Output.Split("\"Up\"").Length - 1 == 2, "both nodes are up");
        // Tests that send requests at once need both ready, not merely Up.
        foreach (var node in new[] { A, B }) await GatewayNodes.WaitReadyAsync(node);
    }

    public async Task StopNodesAsync()
    {
        await B.DisposeAsync();
        if (!_aStopped) await A.DisposeAsync();
        _aStopped = false;
    }

    private bool _aStopped;

    /// <summary>Stops node A alone (it leaves the cluster gracefully; as the oldest node it hosts the registry singleton).</summary>
    public async Task StopAAsync()
    {
        _aStopped = true;
        await A.DisposeAsync();
    }

    private async Task<GatewayNode> StartNodeAsync(int akkaPort)
    {
        var config = new Dictionary<string, string?>
        {
            ["Gateway:Urls"] = "http://127.0.0.1:0",
            ["Admin:Urls"] = "http://127.0.0.1:0",
            ["Admin:Token"] = Token,
            ["Cluster:Port"] = akkaPort.ToString(),
            ["Cluster:SeedNodes:0"] = $"akka.tcp://llm-router@127.0.0.1:{_akkaPorts[0]}",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Router:CapacityWaitSeconds"] = "0",
        };
        if (_postgresDatabase is { } database)
        {
            config["Registry:Provider"] = "postgresql"; // one journal every gateway shares
            config["Registry:ConnectionString"] = RegistryProviders.ConnectionStringFor(database);
        }
        else
        {
            config["Registry:Provider"] = "sqlite";
            config["Registry:ConnectionString"] = $"Data Source={RegistryFileOf(akkaPort)}";
            config[RegistryPerNode ? "Registry:AllowLocal" : "Registry:SharedFile"] = "true"; // both nodes open one file, or each its own
        }
        foreach (var group in new[] { "route", "drain", "bad", "concurrent" })
        {
            config[$"ModelGroups:{group}:Strategy"] = "round-robin";
            config[$"ModelGroups:{group}:Endpoints:{group}-1:Url"] = (group == "drain" ? Slow : Fast).ApiBaseUrl;
        }
        config["ModelGroups:org/model:Endpoints:org-model-1:Url"] = Fast.ApiBaseUrl; // a model name with a slash, as clients send it
        return await GatewayNodes.StartAsync(config);
    }

    public static Task<CtlResult> Ctl(GatewayNode node, params string[] args) => CtlWithToken(node, Token, args);

    /// <summary>Runs routerctl against <paramref name="node"/>'s admin API, as an admin would from a shell.</summary>
    public static async Task<CtlResult> CtlWithToken(GatewayNode node, string token, params string[] args)
    {
        var address = new Uri(node.AdminUrls[0]).Authority;
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await RouterCtl.RunAsync([address, .. args, "--token", token], TextReader.Null, stdout, stderr);
        return new CtlResult(exit, stdout.ToString(), stderr.ToString());
    }

    public async Task DisposeAsync()
    {
        await StopNodesAsync();
        await Fast.DisposeAsync();
        await Slow.DisposeAsync();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
        if (_postgresDatabase is { } database) await RegistryProviders.DropDatabaseAsync(database);
    }
}

public sealed record CtlResult(int Exit, string Output, string Error)
{
    public T Json<T>() => JsonSerializer.Deserialize<T>(Output, AdminCluster.Json)!;
    public override string ToString() => $"exit {Exit}\nstdout: {Output}\nstderr: {Error}";
}
