using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Router.Actors.Directory;
using Router.Actors.Hosting;
using Router.Node;

namespace Router.Testing;

/// <summary>
/// Real gateway nodes (Kestrel on loopback, an Akka cluster member) in the test process: built from exactly the
/// configuration a test gives, and waited for until they serve.
/// </summary>
public static class GatewayNodes
{
    /// <summary>One client for the probes: a refused or slow answer is retried by <see cref="Eventually"/>, not waited out here.</summary>
    private static readonly HttpClient Probe = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>Builds (does not start) a node from exactly <paramref name="config"/>: no appsettings, no environment.</summary>
    public static Task<GatewayNode> CreateAsync(IReadOnlyDictionary<string, string?> config, Action<IServiceCollection>? services = null,
        Action<AkkaConfigurationBuilder>? akka = null) =>
        GatewayNode.CreateAsync([], c =>
        {
            c.Sources.Clear();
            c.AddInMemoryCollection(config);
        }, services, akka);

    /// <summary><see cref="CreateAsync"/>, then starts it (it may still be joining its cluster when this returns).</summary>
    public static async Task<GatewayNode> StartAsync(IReadOnlyDictionary<string, string?> config, Action<IServiceCollection>? services = null,
        Action<AkkaConfigurationBuilder>? akka = null)
    {
        var node = await CreateAsync(config, services, akka);
        try
        {
            await node.StartAsync();
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until <paramref name="baseUrl"/>/health answers 200: the node is an Up member of its cluster.</summary>
    public static Task WaitHealthyAsync(string baseUrl, TimeSpan? timeout = null) => WaitOkAsync(baseUrl.TrimEnd('/') + "/health", "healthy", timeout);

    /// <summary>
    /// Waits until the node's /healthz/ready answers 200. Up is not yet serving: a gateway answers 503 gateway_cut_off
    /// until it sees a majority of the gateways, which is what readiness says.
    /// </summary>
    public static Task WaitReadyAsync(GatewayNode node, TimeSpan? timeout = null) => WaitOkAsync(node.Urls[0].TrimEnd('/') + "/healthz/ready", "ready", timeout);

    private static Task WaitOkAsync(string url, string state, TimeSpan? timeout) =>
        Eventually.Until(async () =>
        {
            using var response = await Probe.GetAsync(url);
            return $"{(int)response.StatusCode} {response.ReasonPhrase}";
        }, status => status.StartsWith("200 ", StringComparison.Ordinal), $"{url} says {state}", timeout, TimeSpan.FromMilliseconds(50),
            Eventually.TransientHttp);

    /// <summary>Waits until the node's view of the replicated directory satisfies <paramref name="condition"/>; returns that view.</summary>
    public static Task<DirectorySnapshot> WaitForDirectoryAsync(GatewayNode node, Func<DirectorySnapshot, bool> condition, string what,
        TimeSpan? timeout = null)
    {
        var runtime = node.App.Services.GetRequiredService<RouterRuntime>();
        return Eventually.Until(() => runtime.Directory.Current, condition, $"{what} reached the directory", timeout,
            describe: d => $"groups [{string.Join(", ", d.Groups.Keys)}], endpoints [{string.Join(", ", d.Endpoints.Values)}]");
    }

    public static ActorSystem SystemOf(GatewayNode node) => node.App.Services.GetRequiredService<ActorSystem>();
}
