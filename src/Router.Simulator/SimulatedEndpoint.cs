using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Router.Simulator;

/// <summary>
/// An in-process simulated OpenAI-compatible backend on its own Kestrel server.
/// <code>
/// await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions { Name = "a", LatencyMs = 50 });
/// var client = new ChatClient("m", new ApiKeyCredential("k"), new OpenAIClientOptions { Endpoint = new Uri(sim.ApiBaseUrl) });
/// </code>
/// </summary>
public sealed class SimulatedEndpoint : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly WebApplication _app;
    private int _disposed;

    private SimulatedEndpoint(WebApplication app, SimulatorState state, string baseUrl)
    {
        _app = app;
        State = state;
        BaseUrl = baseUrl;
    }

    /// <summary>Actually bound address without trailing slash, e.g. http://127.0.0.1:41234.</summary>
    public string BaseUrl { get; }

    /// <summary><see cref="BaseUrl"/> + "/v1": the endpoint for OpenAI clients.</summary>
    public string ApiBaseUrl => BaseUrl + "/v1";

    /// <summary>Options and stats shared with the handlers.</summary>
    public SimulatorState State { get; }

    /// <summary>The live options of this endpoint (a copy of the ones passed to <see cref="StartAsync"/>); changes apply to the next requests.</summary>
    public SimulatorOptions Options => State.Options;

    /// <summary>Request counters.</summary>
    public SimulatorStats Stats => State.Stats;

    /// <summary>Changes several options at once, validated; see <see cref="SimulatorState.Reconfigure"/>.</summary>
    public SimulatorOptions Reconfigure(Action<SimulatorOptions> change) => State.Reconfigure(change);

    /// <summary>
    /// Starts a server on <paramref name="url"/> (port 0 picks a free port). <paramref name="options"/> is copied:
    /// change the endpoint's <see cref="Options"/> afterwards, not the instance passed here.
    /// </summary>
    public static async Task<SimulatedEndpoint> StartAsync(SimulatorOptions options, string url = "http://127.0.0.1:0", CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        var state = new SimulatorState(options.Clone());

        // Empty builder: no appsettings/env configuration of the host process leaks in (e.g. its Kestrel endpoints).
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(SimulatedEndpoint).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseKestrelCore().UseUrls(url);
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton<IHostLifetime, InProcessLifetime>();
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);

        var app = builder.Build();
        app.UseRouting();
        app.MapSimulator(state);

        try
        {
            await app.StartAsync(ct);
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
            var bound = addresses?.FirstOrDefault() ?? throw new InvalidOperationException("The simulator server reported no bound address.");
            return new SimulatedEndpoint(app, state, bound.TrimEnd('/'));
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the server; in-flight requests are cancelled.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        using var timeout = new CancellationTokenSource(StopTimeout);
        try
        {
            await _app.StopAsync(timeout.Token);
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Options.Name} @ {BaseUrl}";
}
