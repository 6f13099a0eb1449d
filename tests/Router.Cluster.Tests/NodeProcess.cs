using System.Diagnostics;
using System.Net.Http.Json;
using Router.AdminApi;

namespace Router.Cluster.Tests;

/// <summary>One Router.Node process on loopback, configured from deploy/cluster.json with loopback overrides.</summary>
public sealed class NodeProcess : IAsyncDisposable
{
    public const string AdminToken = "test-admin-token";
    private readonly List<string> _arguments;
    private readonly string _logPath;
    private Process? _process;

    private readonly IReadOnlyList<string> _extraArguments;
    private readonly string _workDirectory;

    /// <summary>The stop sequence's steps (drain, leave) and the host's start and stop, in each log: a failure shows how long each took.</summary>
    private static readonly string[] StopSequenceLogging =
        ["--Logging:LogLevel:Router.Node.Lifecycle=Information", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information"];

    public NodeProcess(string name, int akkaPort, IEnumerable<string> extraArguments, string workDirectory)
        : this(name, akkaPort, extraArguments, workDirectory, FreePorts.Next(), FreePorts.Next())
    {
    }

    private NodeProcess(string name, int akkaPort, IEnumerable<string> extraArguments, string workDirectory, int gatewayPort, int adminPort)
    {
        Name = name;
        AkkaPort = akkaPort;
        _extraArguments = extraArguments.ToList();
        _workDirectory = workDirectory;
        GatewayUrl = $"http://127.0.0.1:{gatewayPort}";
        AdminUrl = $"http://127.0.0.1:{adminPort}";
        _logPath = Path.Combine(workDirectory, name + ".log");
        _arguments =
        [
            RepoPaths.NodeDll, "--config", RepoPaths.ClusterConfig,
            $"--Gateway:Urls={GatewayUrl}", $"--Admin:Urls={AdminUrl}", $"--Admin:Token={AdminToken}",
            "--Cluster:Hostname=127.0.0.1", "--Cluster:PublicHostname=127.0.0.1", $"--Cluster:Port={akkaPort}",
            "--Logging:LogLevel:Default=Warning", .. StopSequenceLogging, .. _extraArguments,
        ];
        Admin = new HttpClient { BaseAddress = new Uri(AdminUrl), Timeout = TimeSpan.FromSeconds(15) };
        Admin.DefaultRequestHeaders.Authorization = new("Bearer", AdminToken);
    }

    public string Name { get; }
    public int AkkaPort { get; }
    public string GatewayUrl { get; }
    public string AdminUrl { get; }
    public string Address => $"akka.tcp://llm-router@127.0.0.1:{AkkaPort}";

    /// <summary>
    /// A cgroup (v2, relative to its root) the process starts in, so every socket it opens can be matched by a
    /// <see cref="LoopbackPartition"/>; sockets keep the cgroup they were created in, so it must be set from the start.
    /// </summary>
    public string? Cgroup { get; init; }
    public HttpClient Admin { get; }
    public bool Running => _process is { HasExited: false };

    /// <summary>The same node (name, ports, configuration) as a fresh process, not yet started.</summary>
    public NodeProcess Recreate() =>
        new(Name, AkkaPort, _extraArguments, _workDirectory, new Uri(GatewayUrl).Port, new Uri(AdminUrl).Port) { Cgroup = Cgroup };

    public void Start()
    {
        var info = new ProcessStartInfo(Cgroup is null ? "dotnet" : "sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Cgroup is not null)
        {
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add($"echo $$ > {LoopbackPartition.CgroupRoot}/{Cgroup}/cgroup.procs && exec dotnet \"$@\"");
            info.ArgumentList.Add("dotnet");
        }
        foreach (var argument in _arguments) info.ArgumentList.Add(argument);
        _process = Process.Start(info)!;
        var log = new StreamWriter(_logPath, append: true) { AutoFlush = true };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Waits until /health answers 200; fails at once, with the log's tail, if the process exits first.</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            await Eventually.Until(async () =>
            {
                if (!Running) throw new InvalidOperationException($"{Name} exited with {_process?.ExitCode}:\n{LogTail()}");
                using var response = await http.GetAsync(GatewayUrl + "/health");
                return (int)response.StatusCode;
            }, status => status == 200, $"{Name} is healthy", timeout, ProcessCluster.PollInterval, Eventually.TransientHttp);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{LogTail()}", e);
        }
    }

    /// <summary>kill -9: no shutdown hooks, no leaving; the cluster must detect and down it.</summary>
    public void Kill() => _process?.Kill(entireProcessTree: true);

    /// <summary>SIGSTOP: the process keeps its sockets but runs nothing, like a very long GC pause.</summary>
    public Task FreezeAsync() => SignalAsync("-STOP");

    /// <summary>SIGCONT after <see cref="FreezeAsync"/>.</summary>
    public Task ResumeAsync() => SignalAsync("-CONT");

    private async Task SignalAsync(string signal)
    {
        if (_process is null || _process.HasExited) return;
        using var kill = Process.Start("kill", [signal, _process.Id.ToString()]);
        await kill.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as an orchestrator stops a container; returns when the process has exited.</summary>
    public async Task TerminateAsync(TimeSpan timeout)
    {
        if (_process is null || _process.HasExited) return;
        await SignalTerminateAsync();
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
    }

    /// <summary>SIGTERM without waiting for the exit (see <see cref="WaitForExitAsync"/>).</summary>
    public Task SignalTerminateAsync() => SignalAsync("-TERM");

    /// <summary>Waits until the process has exited; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process!.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async Task<ClusterView> ClusterAsync() => (await Admin.GetFromJsonAsync<ClusterView>("/admin/cluster", AdminJson.Options))!;

    public async Task<ShardingView> ShardingAsync() => (await Admin.GetFromJsonAsync<ShardingView>("/admin/sharding", AdminJson.Options))!;

    public async Task<IReadOnlyList<EndpointView>> EndpointsAsync() =>
        (await Admin.GetFromJsonAsync<List<EndpointView>>("/admin/router/endpoints", AdminJson.Options))!;

    public string LogTail(int lines = 40) =>
        File.Exists(_logPath) ? string.Join('\n', File.ReadLines(_logPath).TakeLast(lines)) : "(no log)";

    public async ValueTask DisposeAsync()
    {
        if (Running)
        {
            try { await TerminateAsync(TimeSpan.FromSeconds(20)); }
            catch (OperationCanceledException)
            {
                // SIGKILL is not instant: a restart on the same ports must wait until the process has let go of them.
                Kill();
                await WaitForExitAsync(TimeSpan.FromSeconds(10));
            }
        }
        _process?.Dispose();
        Admin.Dispose();
    }
}
