using Router.Node.Configuration;
using Router.Simulator;

namespace Router.Node.Simulation;

/// <summary>
/// Starts the simulated endpoints named under "Simulators" (each on its own free loopback port) so the
/// embedded default configuration answers a newcomer's first request, and resolves sim://name urls to them.
/// </summary>
public sealed class EmbeddedSimulators : IAsyncDisposable
{
    private readonly Dictionary<string, SimulatedEndpoint> _running;

    private EmbeddedSimulators(Dictionary<string, SimulatedEndpoint> running) => _running = running;

    public IReadOnlyDictionary<string, SimulatedEndpoint> Running => _running;

    public static async Task<EmbeddedSimulators> StartAsync(IReadOnlyDictionary<string, SimulatorOptions> simulators)
    {
        var running = new Dictionary<string, SimulatedEndpoint>(StringComparer.Ordinal);
        foreach (var (name, options) in simulators)
        {
            options.Name = string.IsNullOrWhiteSpace(options.Name) || options.Name == "sim" ? name : options.Name;
            running[name] = await SimulatedEndpoint.StartAsync(options);
        }
        return new EmbeddedSimulators(running);
    }

    /// <summary>
    /// sim://name becomes the simulator's API base (http://127.0.0.1:port/v1); other urls, and sim:// names this node does not
    /// run, pass through. Called where a url is used (forwarding), never where it is stored: the port changes with every start.
    /// </summary>
    public string Resolve(string url) =>
        SimulatedUrls.TryGetName(url, out var name) && _running.TryGetValue(name, out var simulator) ? simulator.ApiBaseUrl : url;

    /// <summary>Whether this node runs the simulator a sim://name url names (true for any other url).</summary>
    public bool CanResolve(string url) => !SimulatedUrls.TryGetName(url, out var name) || _running.ContainsKey(name);

    public async ValueTask DisposeAsync()
    {
        foreach (var simulator in _running.Values) await simulator.DisposeAsync();
    }
}
