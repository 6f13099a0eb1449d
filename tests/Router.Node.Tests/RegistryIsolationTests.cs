using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Router.Actors.Hosting;
using Router.Messages.Admin;
using Router.Node.Configuration;

namespace Router.Node.Tests;

/// <summary>
/// A configuration file without Registry:ConnectionString gets a SQLite registry of its own: the same --config replays its
/// runtime changes after a restart, another --config never sees the first one's groups.
/// </summary>
public sealed class RegistryIsolationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("router-registry-isolation-").FullName;
    private readonly List<string> _registryFiles = [];

    private string WriteConfig(string name, string group, string endpoint)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, $$"""
            {
              "Logging": { "LogLevel": { "Default": "Warning", "Router.Actors.Registry": "Information", "Router.Node.Registry": "Information" } },
              "Gateway": { "Urls": "http://127.0.0.1:0" },
              "Admin": { "Urls": "http://127.0.0.1:0" },
              "Cluster": { "Port": 0 },
              "ModelGroups": { "{{group}}": { "Endpoints": { "{{endpoint}}": { "Url": "http://127.0.0.1:9/v1" } } } }
            }
            """);
        return path;
    }

    [Fact]
    public async Task Another_config_without_a_Registry_section_never_replays_the_first_ones_groups_and_the_same_config_does()
    {
        var configA = WriteConfig("router.json", "alpha", "alpha-1");
        var configB = WriteConfig("other.json", "beta", "beta-1");

        await using (var first = await StartAsync(configA))
        {
            first.Ready.Message.Should().Contain("replayed 0 journal event(s)");
            await GatewayNodes.WaitForDirectoryAsync(first.Node, v => v.Groups.ContainsKey("alpha"), "group 'alpha'");
            await Change(first.Node, "alpha-1", 2);
        }

        await using (var other = await StartAsync(configB))
        {
            other.File.Should().NotBe(_registryFiles[0]);
            other.Ready.Message.Should().Contain($"sqlite {other.File}").And.Contain("replayed 0 journal event(s)").And.Contain("0 runtime change(s) in effect");
            await GatewayNodes.WaitForDirectoryAsync(other.Node, v => v.Groups.ContainsKey("beta"), "group 'beta'");
            // A change made after the registry was ready is seen after anything it published at start-up.
            await Change(other.Node, "beta-1", 3);
            var view = other.Node.App.Services.GetRequiredService<RouterRuntime>().Directory.Current;
            view.Groups.Keys.Should().BeEquivalentTo(["beta"]);
            view.Endpoints.Keys.Should().BeEquivalentTo(["beta-1"]);
        }

        await using (var again = await StartAsync(configA))
        {
            again.File.Should().Be(_registryFiles[0]);
            again.Ready.Message.Should().Contain($"sqlite {again.File}").And.NotContain("replayed 0 journal event(s)").And.Contain("1 runtime change(s) in effect");
            await GatewayNodes.WaitForDirectoryAsync(again.Node, v => v.Endpoints.TryGetValue("alpha-1", out var e) && e.MaxInFlight == 2, "alpha-1 with its replayed MaxInFlight 2");
            again.Node.App.Services.GetRequiredService<RouterRuntime>().Directory.Current.Groups.Keys.Should().BeEquivalentTo(["alpha"]);
        }
    }

    [Fact]
    public void The_default_file_is_the_embedded_ones_without_config_and_one_per_config_file_otherwise()
    {
        RegistryOptions.DefaultSqliteFile(null).Should().Be("router-registry.db");
        var a = RegistryOptions.DefaultSqliteFile("/etc/router/a.json");
        a.Should().MatchRegex(@"^router-registry-a-[0-9a-f]{8}\.db$");
        RegistryOptions.DefaultSqliteFile("/etc/router/a.json").Should().Be(a);
        RegistryOptions.DefaultSqliteFile("/srv/router/a.json").Should().NotBe(a);

        var explicitFile = new RegistryOptions { ConnectionString = "Data Source=/data/r.db" };
        explicitFile.ApplyDefaultConnectionString("/etc/router/a.json").Should().BeFalse();
        explicitFile.ConnectionString.Should().Be("Data Source=/data/r.db");
        var postgres = new RegistryOptions { Provider = "postgresql" };
        postgres.ApplyDefaultConnectionString("/etc/router/a.json").Should().BeFalse();
        postgres.ConnectionString.Should().BeEmpty();
    }

    private sealed record Started(GatewayNode Node, CapturedRecord Ready, string File) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Node.DisposeAsync();
    }

    private async Task<Started> StartAsync(string config)
    {
        var node = await GatewayNode.CreateAsync(["--config", config]);
        var file = Path.GetFullPath(node.Settings.Registry.ConnectionString["Data Source=".Length..]);
        if (!_registryFiles.Contains(file)) _registryFiles.Add(file);
        var logs = LogCapture.AttachTo(node);
        await node.StartAsync();
        var choice = await logs.WaitFor(r => r.EventId.Id == 5120, "naming the configuration's registry file");
        choice.Message.Should().Contain(config).And.Contain(file);
        var ready = await logs.WaitFor(r => r.Message.Contains("Endpoint registry ready", StringComparison.Ordinal), "saying the registry is ready", timeoutSeconds: 30);
        return new Started(node, ready, file);
    }

    private static async Task Change(GatewayNode node, string endpoint, int maxInFlight)
    {
        var directory = node.App.Services.GetRequiredService<ActorRegistry>().Get<EndpointDirectory>();
        (await directory.Ask<ManagementResult>(new UpdateEndpoint(endpoint, MaxInFlight: maxInFlight), TimeSpan.FromSeconds(10))).Succeeded.Should().BeTrue();
        await GatewayNodes.WaitForDirectoryAsync(node, v => v.Endpoints.TryGetValue(endpoint, out var e) && e.MaxInFlight == maxInFlight, $"{endpoint} with MaxInFlight {maxInFlight}");
    }

    public void Dispose()
    {
        foreach (var file in _registryFiles)
            foreach (var suffix in new[] { "", "-wal", "-shm", "-journal" })
                try { File.Delete(file + suffix); } catch (IOException) { }
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
