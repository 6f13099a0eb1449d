using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Router.Actors.Hosting;
using Router.Messages.Admin;

namespace Router.Node.Tests;

/// <summary>The start-up log says where the registry is, what it replayed, and what became of the node's configuration.</summary>
public sealed class RegistryStartupLogTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("router-registry-log-").FullName;

    private Dictionary<string, string?> Config() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["Gateway:Urls"] = "http://127.0.0.1:0",
        ["Admin:Urls"] = "http://127.0.0.1:0",
        ["Cluster:Port"] = "0",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Router.Actors.Registry"] = "Information",
        ["Registry:Provider"] = "sqlite",
        ["Registry:ConnectionString"] = $"Data Source={Path.Combine(_directory, "registry.db")}",
        ["ModelGroups:g:Endpoints:e:Url"] = "http://127.0.0.1:9/v1",
    };

    [Fact]
    public async Task A_restarted_node_logs_the_registry_file_the_replayed_changes_and_a_configuration_that_lost_to_a_runtime_change()
    {
        var first = await StartAsync(Config());
        await first.Lines.WaitFor("This node's configuration is in the registry");
        var directory = first.Node.App.Services.GetRequiredService<ActorRegistry>().Get<EndpointDirectory>();
        (await directory.Ask<ManagementResult>(new UpdateEndpoint("e", MaxInFlight: 2), TimeSpan.FromSeconds(10))).Succeeded.Should().BeTrue();
        await first.Node.DisposeAsync();

        var config = Config();
        config["ModelGroups:g:Endpoints:e:MaxInFlight"] = "10";
        var second = await StartAsync(config);
        await using var _ = second.Node;

        var ready = await second.Lines.WaitFor("Endpoint registry ready");
        ready.Should().Contain($"sqlite {Path.Combine(_directory, "registry.db")} (this host only)").And.Contain("replayed 1 journal event(s)")
            .And.Contain("1 runtime change(s) in effect");
        var warning = await second.Lines.WaitFor("endpoint 'e': the configuration of");
        warning.Should().Contain("says MaxInFlight 10").And.Contain("keeps its runtime version (MaxInFlight 2)");
    }

    private static async Task<(GatewayNode Node, CapturedLines Lines)> StartAsync(Dictionary<string, string?> config)
    {
        var node = await GatewayNodes.CreateAsync(config);
        var lines = new CapturedLines();
        node.App.Services.GetRequiredService<ILoggerFactory>().AddProvider(lines);
        await node.StartAsync();
        return (node, lines);
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    private sealed class CapturedLines : ILoggerProvider, ILogger
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public async Task<string> WaitFor(string text) =>
            (await Eventually.Until(() => _lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)), line => line is not null,
                $"a log line contains '{text}'", describe: _ => $"no such line; lines: {string.Join(Environment.NewLine, _lines)}"))!;

        public ILogger CreateLogger(string categoryName) => this;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _lines.Enqueue(formatter(state, exception));

        public void Dispose() { }
    }
}
