using System.Diagnostics;
using System.Text.Json;

namespace Router.Node.Tests;

/// <summary>
/// Clients nobody here wrote, run by node against a real gateway: the official openai npm SDK (chat, streaming chat,
/// responses.create, responses.create stream, models.retrieve) and the Vercel AI SDK's default provider
/// (generateText / streamText with openai(model), which call /v1/responses). The checks are tests/sdk-js/run.mjs.
/// </summary>
public sealed class JavaScriptSdkTests
{
    private static readonly TimeSpan NpmTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);

    [NodeFact]
    public async Task Openai_and_vercel_ai_sdks_work_against_the_gateway()
    {
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("sdk", o => o.CompletionTokens = 3)
            .Group("gpt-4o-mini").Endpoint("gpt-4o-mini", "sdk-1", "sdk"));
        var project = SdkProjectDirectory();
        if (!Directory.Exists(Path.Combine(project, "node_modules")))
        {
            var npm = NodeJs.Find("npm") ?? throw new InvalidOperationException("node is on PATH but npm is not: run 'npm ci' in tests/sdk-js");
            var (npmExit, npmOutput) = await RunAsync(npm, ["ci", "--no-audit", "--no-fund"], project, new Dictionary<string, string>(), NpmTimeout);
            npmExit.Should().Be(0, "npm ci in tests/sdk-js failed:\n{0}", npmOutput);
        }

        var (exit, output) = await RunAsync(NodeJs.Find("node")!, ["run.mjs"], project,
            new Dictionary<string, string> { ["ROUTER_BASE_URL"] = gateway.BaseUrl, ["ROUTER_MODEL"] = "gpt-4o-mini" }, RunTimeout);

        exit.Should().Be(0, "every SDK check passes; node printed:\n{0}", output);
        var summaryLine = output.Split('\n').Last(l => l.TrimStart().StartsWith('{'));
        using var summary = JsonDocument.Parse(summaryLine);
        var texts = summary.RootElement.EnumerateObject().Where(p => p.Name != "openai.models.retrieve").ToList();
        texts.Should().HaveCount(6);
        texts.Should().OnlyContain(p => p.Value.GetString() == "tok tok tok", "each client got the simulator's three tokens: {0}", summaryLine);
        var byPath = gateway.Sim("sdk").Stats.RequestsByPath;
        byPath.GetValueOrDefault("/v1/chat/completions").Should().Be(2);
        byPath.GetValueOrDefault("/v1/responses").Should().Be(4, "responses.create twice, and the AI SDK's openai(model) twice");
        var state = await gateway.StateWhen("sdk-1", s => s.InFlight == 0 && s.TotalRequests == 6);
        state.TotalRequests.Should().Be(6);
        state.TotalFailures.Should().Be(0);
    }

    private static string SdkProjectDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "sdk-js");
            if (File.Exists(Path.Combine(candidate, "package.json"))) return candidate;
        }
        throw new DirectoryNotFoundException($"tests/sdk-js not found above {AppContext.BaseDirectory}");
    }

    private static async Task<(int Exit, string Output)> RunAsync(
        string file, string[] args, string directory, Dictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(file)} {string.Join(' ', args)} did not finish within {timeout}: {await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>A fact that is skipped, saying why, when node is not on PATH.</summary>
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        if (NodeJs.Find("node") is null)
            Skip = "node is not on PATH: install Node.js 18 or later to run the JavaScript SDK checks in tests/sdk-js";
    }
}

internal static class NodeJs
{
    /// <summary>The full path of an executable on PATH, or null.</summary>
    public static string? Find(string name)
    {
        var names = OperatingSystem.IsWindows() ? new[] { name + ".exe", name + ".cmd" } : [name];
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var candidate in names)
            {
                var path = Path.Combine(dir, candidate);
                if (File.Exists(path)) return path;
            }
        }
        return null;
    }
}
