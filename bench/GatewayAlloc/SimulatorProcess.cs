using System.Diagnostics;
using System.Net;
using Router.Testing;

/// <summary>
/// The upstream of the measurement as a process of its own (Router.Simulator's executable), so that what it allocates
/// is not counted as the proxy's: the gateway asks for the usage chunk of every stream, and an in-process simulator's
/// writing of it was charged to the gateway (about 2.6 KB of the plain stream's bytes per request).
/// </summary>
sealed class SimulatorProcess : IAsyncDisposable
{
    private readonly Process _process;

    private SimulatorProcess(Process process, string baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public string ApiBaseUrl => BaseUrl + "/v1";

    /// <param name="settings">Simulator:* settings, e.g. ("LatencyMs", "0").</param>
    public static async Task<SimulatorProcess> StartAsync(params (string Key, string Value)[] settings)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Router.Simulator.dll");
        var baseUrl = $"http://127.0.0.1:{FreePorts.Next()}";
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // Under dotnet-trace this process was started suspended on a diagnostic port: the simulator must not inherit it.
        start.Environment.Remove("DOTNET_DiagnosticPorts");
        foreach (var argument in new[] { dll, "--urls", baseUrl }.Concat(settings.Select(s => $"--Simulator:{s.Key}={s.Value}")))
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {dll}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"simulator: {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var simulator = new SimulatorProcess(process, baseUrl);
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"the simulator exited with code {process.ExitCode}");
            try
            {
                using var response = await http.GetAsync(baseUrl + "/_sim/stats");
                if (response.StatusCode == HttpStatusCode.OK) return simulator;
            }
            catch (HttpRequestException) { }
            if (DateTime.UtcNow > deadline)
            {
                await simulator.DisposeAsync();
                throw new TimeoutException($"the simulator did not answer on {baseUrl} within 30 s");
            }
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
