using System.Net;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Router.Actors.Hosting;
using Router.Messages.Endpoints;
using Router.Node.Admin;

namespace Router.Node.Tests;

/// <summary>
/// The embedded default configuration (the demo) keeps working after routerctl changes and a restart: its simulated
/// endpoints are stored in the registry as sim://name, resolved to the simulators' new ports where requests are forwarded.
/// </summary>
public sealed class DemoRestartTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("router-demo-restart-").FullName;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private Task<GatewayNode> StartDemoAsync() => StartAsync(new Dictionary<string, string?>
    {
        // Only what a test must change in the embedded default: free ports, a registry file of its own, quiet logs.
        ["Gateway:Urls"] = "http://127.0.0.1:0",
        ["Admin:Urls"] = "http://127.0.0.1:0",
        ["Cluster:Port"] = "0",
        ["Registry:ConnectionString"] = $"Data Source={Path.Combine(_directory, "registry.db")}",
        ["Logging:LogLevel:Default"] = "Warning",
    });

    private static async Task<GatewayNode> StartAsync(Dictionary<string, string?> overrides)
    {
        var node = await GatewayNode.CreateAsync([], c => c.AddInMemoryCollection(overrides));
        node.Settings.Simulators.Should().ContainKey("sim-fast", "the embedded default configuration runs the demo's simulators");
        await node.StartAsync();
        return node;
    }

    [Fact]
    public async Task After_routerctl_changes_and_a_restart_the_demo_still_answers_from_its_simulated_endpoints()
    {
        await using (var first = await StartDemoAsync())
        {
            await GatewayNodes.WaitForDirectoryAsync(first, d => d.Endpoints.ContainsKey("sim-fast"), "the demo's endpoints");
            first.App.Services.GetRequiredService<RouterRuntime>().Directory.Current.Endpoints["sim-fast"].Url.Should().Be("sim://sim-fast");
            var admin = first.App.Services.GetRequiredService<AdminCommands>();
            await admin.UpdateEndpoint("sim-fast", new Router.AdminApi.UpdateEndpointRequest(Weight: 3));
            await admin.AddEndpoint(new Router.AdminApi.EndpointDefinitionDto("sim-extra", "gpt-4o-mini", "sim://sim-steady"));
            await admin.Drain("sim-steady");
            await admin.Drain("sim-flaky");
            var refused = () => admin.AddEndpoint(new Router.AdminApi.EndpointDefinitionDto("sim-nowhere", "gpt-4o-mini", "sim://no-such-sim"));
            (await refused.Should().ThrowAsync<AdminException>()).Which.Message.Should().Contain("names no simulator this node runs");
            await GatewayNodes.WaitForDirectoryAsync(first, d => d.Endpoints.TryGetValue("sim-flaky", out var e) && e.Drained && d.Endpoints.ContainsKey("sim-extra"), "the changes");
        }

        await using var second = await StartDemoAsync();
        // The simulators have new ports now; the registry replays sim://name, so both changed endpoints still answer.
        await GatewayNodes.WaitForDirectoryAsync(second, d => d.Endpoints.TryGetValue("sim-extra", out var e) && e.Url == "sim://sim-steady"
                                     && d.Endpoints.TryGetValue("sim-fast", out var f) && f.Weight == 3 && f.Url == "sim://sim-fast", "the replayed changes");
        var gateway = second.Urls.First().TrimEnd('/');
        await GatewayNodes.WaitHealthyAsync(gateway);
        var served = new HashSet<string>();
        for (var i = 0; i < 8; i++)
        {
            using var response = await Http.PostAsync(gateway + "/v1/chat/completions", new StringContent(
                """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello"}]}""", Encoding.UTF8, "application/json"));
            response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            served.Add(response.Headers.GetValues("x-router-endpoint").Single());
            response.Headers.GetValues("x-router-attempts").Single().Should().Be("1", "the stored url reaches the simulator at once");
        }
        // Not the fallback group's sim-backup (configuration-only, so it would work even with stale ports).
        served.Should().BeSubsetOf(["sim-fast", "sim-extra"]);
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
