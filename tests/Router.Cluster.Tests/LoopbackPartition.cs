using System.Diagnostics;

namespace Router.Cluster.Tests;

/// <summary>
/// A network partition between node processes on one machine: iptables drops every packet that a process started in
/// a given cgroup sends from or to the cluster transport ports, so it can neither reach the other nodes nor answer
/// them. Everything else it does, such as HTTP to the upstreams and to the test, still flows. Disposing heals it.
/// </summary>
public sealed class LoopbackPartition : IAsyncDisposable
{
    public const string CgroupRoot = "/sys/fs/cgroup/unified";
    private readonly string[] _rule;

    private LoopbackPartition(string[] rule) => _rule = rule;

    /// <summary>A cgroup v2 group for a process to start in (see <see cref="NodeProcess.Cgroup"/>); removed on dispose.</summary>
    public sealed class Group(string name) : IDisposable
    {
        public string Name { get; } = name;

        public void Dispose()
        {
            try { Directory.Delete(Path.Combine(CgroupRoot, Name)); }
            catch (IOException) { } // a process is still in it
        }
    }

    /// <summary>Why a partition cannot be made here (not root, no iptables, no cgroup v2), or null when it can.</summary>
    public static async Task<string?> UnavailableReasonAsync()
    {
        if (Environment.UserName != "root") return "partitions need root (iptables, cgroups)";
        if (!Directory.Exists(CgroupRoot)) return $"no cgroup v2 hierarchy at {CgroupRoot}";
        try
        {
            var (code, output) = await RunAsync("iptables", "-L", "OUTPUT", "-n");
            return code == 0 ? null : $"iptables does not work here: {output}";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "iptables is not installed (apt-get install -y iptables)";
        }
    }

    public static Group CreateCgroup()
    {
        var name = $"router-test-{Environment.ProcessId}-{Guid.NewGuid():N}"[..36];
        Directory.CreateDirectory(Path.Combine(CgroupRoot, name));
        return new Group(name);
    }

    /// <summary>Cuts the processes of <paramref name="cgroup"/> off from every cluster transport port in <paramref name="clusterPorts"/>.</summary>
    public static async Task<LoopbackPartition> IsolateAsync(string cgroup, IEnumerable<int> clusterPorts)
    {
        string[] rule = ["OUTPUT", "-m", "cgroup", "--path", cgroup, "-p", "tcp", "-m", "multiport", "--ports", string.Join(',', clusterPorts), "-j", "DROP"];
        var (code, output) = await RunAsync("iptables", ["-I", .. rule]);
        if (code != 0) throw new InvalidOperationException($"iptables failed ({code}): {output}");
        return new LoopbackPartition(rule);
    }

    public async ValueTask DisposeAsync() => await RunAsync("iptables", ["-D", .. _rule]);

    private static async Task<(int Code, string Output)> RunAsync(string command, params string[] arguments)
    {
        var info = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output.Trim());
    }
}
