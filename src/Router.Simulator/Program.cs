using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Logging;

namespace Router.Simulator;

/// <summary>
/// Executable: <c>dotnet run --project src/Router.Simulator -- --urls http://127.0.0.1:8001 --Simulator:LatencyMs=50</c>.
/// Options come from the "Simulator" configuration section (appsettings.json, Simulator__X environment variables,
/// --Simulator:X=... arguments).
/// </summary>
internal static class Program
{
    public static async Task Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        // Lowest-priority default (appsettings, env and command line still win): no per-request info logs.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?> { ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning" },
        });
        var app = builder.Build();
        var state = app.MapSimulator();

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var o = state.Options;
            app.Logger.LogInformation(
                "Simulator '{Name}' on {Urls}: latency {LatencyMs} ms, ttft {Ttft} ms, {Tps} tok/s, {Tokens} tokens, error rate {ErrorRate} ({ErrorStatus}), api key {ApiKey}",
                o.Name, string.Join(", ", app.Urls), o.LatencyMs, o.TimeToFirstTokenMs, o.TokensPerSecond, o.CompletionTokens,
                o.ErrorRate, o.ErrorStatus, o.RequiredApiKey is null ? "off" : "required");
        });

        await app.RunAsync();
    }
}
