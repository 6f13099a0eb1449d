using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Router.Actors.Hosting;
using Router.Messages.Admin;
using Router.Messages.Endpoints;
using Router.Simulator;

namespace Router.Node.Tests;

/// <summary>
/// What a <see cref="TestGateway"/> runs: simulated upstreams by name, model groups whose endpoints point at
/// them, and any other configuration key. Endpoint urls are filled in once the simulators have their ports.
/// </summary>
public sealed class GatewaySetup
{
    internal Dictionary<string, SimulatorOptions> Sims { get; } = new(StringComparer.Ordinal);
    internal Dictionary<string, string> EndpointSims { get; } = new(StringComparer.Ordinal);
    internal Dictionary<string, string?> Config { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A simulated upstream; its responses carry x-sim-name = <paramref name="name"/>.</summary>
    public GatewaySetup Sim(string name, Action<SimulatorOptions>? configure = null)
    {
        var options = new SimulatorOptions { Name = name, LatencyMs = 0, TimeToFirstTokenMs = 0, TokensPerSecond = 0 };
        configure?.Invoke(options);
        Sims[name] = options;
        return this;
    }

    public GatewaySetup Group(string group, string strategy = "round-robin", params string[] fallbacks)
    {
        Config[$"ModelGroups:{group}:Strategy"] = strategy;
        for (var i = 0; i < fallbacks.Length; i++) Config[$"ModelGroups:{group}:Fallbacks:{i}"] = fallbacks[i];
        return this;
    }

    /// <summary>Endpoint <paramref name="id"/> of <paramref name="group"/>, served by simulator <paramref name="sim"/>.</summary>
    public GatewaySetup Endpoint(string group, string id, string sim, int? weight = null, int? maxInFlight = null,
        int? contextWindow = null, string? apiKeyEnv = null)
    {
        var key = $"ModelGroups:{group}:Endpoints:{id}";
        EndpointSims[key] = sim;
        if (weight is { } w) Config[key + ":Weight"] = w.ToString(CultureInfo.InvariantCulture);
        if (maxInFlight is { } m) Config[key + ":MaxInFlight"] = m.ToString(CultureInfo.InvariantCulture);
        if (contextWindow is { } c) Config[key + ":ContextWindow"] = c.ToString(CultureInfo.InvariantCulture);
        if (apiKeyEnv is not null) Config[key + ":ApiKeyEnv"] = apiKeyEnv;
        return this;
    }

    /// <summary>Extra services for the node (e.g. a span exporter).</summary>
    internal Action<IServiceCollection>? ConfigureServices { get; private set; }

    public GatewaySetup Services(Action<IServiceCollection> configure)
    {
        ConfigureServices += configure;
        return this;
    }

    public GatewaySetup Set(string key, object value)
    {
        Config[key] = Convert.ToString(value, CultureInfo.InvariantCulture);
        return this;
    }

    /// <summary>The configuration the node gets: test defaults, then the keys set here.</summary>
    internal Dictionary<string, string?> BuildConfiguration(IReadOnlyDictionary<string, SimulatedEndpoint> sims)
    {
        var config = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Gateway:Urls"] = "http://127.0.0.1:0",
            ["Cluster:Hostname"] = "127.0.0.1",
            ["Cluster:Port"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
            // Every node gets its own free admin port and keeps registry changes in memory: no file is shared between tests.
            ["Admin:Urls"] = "http://127.0.0.1:0",
            ["Registry:Provider"] = "memory",
        };
        foreach (var (key, sim) in EndpointSims) config[key + ":Url"] = sims[sim].ApiBaseUrl;
        foreach (var (key, value) in Config) config[key] = value;
        return config;
    }
}

/// <summary>
/// Simulated upstreams plus one real gateway node (Kestrel on loopback, a single-node Akka cluster), ready to
/// serve when <see cref="StartAsync"/> returns.
/// </summary>
public sealed class TestGateway : IAsyncDisposable
{
    private static readonly TimeSpan StartupDeadline = TimeSpan.FromSeconds(30);

    /// <summary>One client for every test: connection pooling without per-host limits.</summary>
    public static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

    private TestGateway(GatewayNode node, IReadOnlyDictionary<string, SimulatedEndpoint> sims, string baseUrl)
    {
        Node = node;
        Sims = sims;
        BaseUrl = baseUrl;
    }

    public GatewayNode Node { get; }
    public IReadOnlyDictionary<string, SimulatedEndpoint> Sims { get; }

    /// <summary>http://127.0.0.1:port (no trailing slash).</summary>
    public string BaseUrl { get; }

    /// <summary>What OpenAI SDK clients use as their endpoint.</summary>
    public Uri ApiBase => new(BaseUrl + "/v1");

    public SimulatedEndpoint Sim(string name) => Sims[name];

    public static async Task<TestGateway> StartAsync(Action<GatewaySetup> configure)
    {
        var setup = new GatewaySetup();
        configure(setup);
        var sims = new Dictionary<string, SimulatedEndpoint>(StringComparer.Ordinal);
        GatewayNode? node = null;
        try
        {
            foreach (var (name, options) in setup.Sims) sims[name] = await SimulatedEndpoint.StartAsync(options);
            var config = setup.BuildConfiguration(sims);
            node = await GatewayNodes.CreateAsync(config, setup.ConfigureServices);
            await node.StartAsync();
            var gateway = new TestGateway(node, sims, node.Urls.First().TrimEnd('/'));
            await gateway.WaitUntilReadyAsync(config);
            return gateway;
        }
        catch
        {
            if (node is not null) await node.DisposeAsync();
            foreach (var sim in sims.Values) await sim.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// /health says the node is Up; then every endpoint's shard must answer, so the first test request does not
    /// pay for shard allocation (which could exceed the router's acquire timeout on a loaded machine).
    /// </summary>
    private async Task WaitUntilReadyAsync(IReadOnlyDictionary<string, string?> config)
    {
        await GatewayNodes.WaitHealthyAsync(BaseUrl, StartupDeadline);
        var endpointIds = config.Keys
            .Select(k => k.Split(':'))
            .Where(p => p.Length == 5 && p[0] == "ModelGroups" && p[2] == "Endpoints" && p[4] == "Url")
            .Select(p => p[3])
            .Distinct();
        foreach (var id in endpointIds)
            await Eventually.Until<EndpointState>(() => Region.Ask<EndpointState>(new GetEndpointState(id), TimeSpan.FromSeconds(2)), _ => true,
                $"the shard of endpoint '{id}' answers", StartupDeadline, retryOn: e => e is AskTimeoutException);
    }

    /// <summary>http://127.0.0.1:port of the admin listener (no trailing slash).</summary>
    public string AdminUrl => Node.AdminUrls.First().TrimEnd('/');

    public IActorRef Region => Node.App.Services.GetRequiredService<ActorRegistry>().Get<EndpointRegion>();

    /// <summary>The exact state of an endpoint, from its own actor.</summary>
    public async Task<EndpointSnapshot> StateOf(string endpointId)
    {
        var state = await Region.Ask<EndpointState>(new GetEndpointState(endpointId), TimeSpan.FromSeconds(5));
        state.Definition.Should().NotBeNull($"endpoint '{endpointId}' should be registered");
        return state.Snapshot;
    }

    /// <summary>Polls the endpoint's state until <paramref name="condition"/> holds; returns that snapshot.</summary>
    public Task<EndpointSnapshot> StateWhen(string endpointId, Func<EndpointSnapshot, bool> condition, double timeoutSeconds = 5) =>
        Eventually.Until(() => StateOf(endpointId), condition, $"the state of endpoint '{endpointId}' matches", TimeSpan.FromSeconds(timeoutSeconds));

    /// <summary>Polls this node's cached (pushed) snapshots of <paramref name="endpointIds"/> until each satisfies <paramref name="condition"/>.</summary>
    public Task SnapshotsWhen(IEnumerable<string> endpointIds, Func<EndpointSnapshot, bool> condition, double timeoutSeconds = 5)
    {
        var cache = Node.App.Services.GetRequiredService<RouterRuntime>().Snapshots;
        var ids = endpointIds.ToList();
        return Eventually.Until(() => ids.Select(id => cache.Slot(id).Snapshot).ToList(), snapshots => snapshots.All(condition),
            "the node's cached snapshots reach the expected state", TimeSpan.FromSeconds(timeoutSeconds));
    }

    public Task<HttpResponseMessage> PostAsync(string path, string json, string? bearer = null, CancellationToken ct = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, BaseUrl + path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return Http.SendAsync(request, ct);
    }

    public Task<HttpResponseMessage> ChatAsync(string model, string content = "Hello there", bool stream = false, string? bearer = null, CancellationToken ct = default) =>
        PostAsync("/v1/chat/completions", ChatBody(model, content, stream), bearer, ct);

    public static string ChatBody(string model, string content = "Hello there", bool stream = false) =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["model"] = model,
            ["messages"] = new[] { new { role = "user", content } },
            ["stream"] = stream,
        });

    public async ValueTask DisposeAsync()
    {
        await Node.DisposeAsync();
        foreach (var sim in Sims.Values) await sim.DisposeAsync();
    }
}

/// <summary>Small helpers for asserting on gateway responses.</summary>
public static class Responses
{
    public static string Header(this HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";

    public static string Endpoint(this HttpResponseMessage response) => response.Header("x-router-endpoint");
    public static string Attempts(this HttpResponseMessage response) => response.Header("x-router-attempts");
    public static string SimName(this HttpResponseMessage response) => response.Header("x-sim-name");

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.Clone();
    }

    /// <summary>Asserts the OpenAI error envelope {"error":{"message","type","code"}} and returns "error".</summary>
    public static async Task<JsonElement> OpenAiErrorAsync(this HttpResponseMessage response, HttpStatusCode status, string? code = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(status, "the body was: {0}", text);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/json");
        using var doc = JsonDocument.Parse(text);
        doc.RootElement.TryGetProperty("error", out var error).Should().BeTrue("OpenAI clients read errors from \"error\": {0}", text);
        error.GetProperty("message").GetString().Should().NotBeNullOrWhiteSpace();
        error.GetProperty("type").GetString().Should().NotBeNullOrWhiteSpace();
        error.TryGetProperty("code", out var actualCode).Should().BeTrue("the envelope always has a code member");
        if (code is not null) actualCode.GetString().Should().Be(code);
        return error.Clone();
    }
}
