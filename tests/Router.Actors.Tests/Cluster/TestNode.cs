using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Router.Actors.Hosting;
using Router.Messages.Admin;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Cluster;

/// <summary>One router node (a generic host running an actor system) on a loopback port chosen by the OS.</summary>
public sealed class TestNode : IAsyncDisposable
{
    private readonly IHost _host;

    private TestNode(IHost host)
    {
        _host = host;
        System = host.Services.GetRequiredService<ActorSystem>();
        var registry = host.Services.GetRequiredService<ActorRegistry>();
        Runtime = RouterRuntime.Get(System);
        Region = registry.Get<EndpointRegion>();
        Directory = registry.Get<EndpointDirectory>();
        Router = Runtime.Options.IsGateway ? registry.Get<RouterPool>() : ActorRefs.Nobody;
    }

    public ActorSystem System { get; }
    public RouterRuntime Runtime { get; }
    public IActorRef Region { get; }
    public IActorRef Directory { get; }
    public IActorRef Router { get; }
    public Akka.Cluster.Cluster Cluster => Akka.Cluster.Cluster.Get(System);
    public Address Address => Cluster.SelfAddress;

    /// <param name="hocon">Extra settings, over the test defaults (e.g. <see cref="Partitions.Hocon"/>).</param>
    public static async Task<TestNode> StartAsync(RouterClusterSettings options, string? hocon = null)
    {
        var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka(RouterClusterSettings.DefaultSystemName, builder =>
            {
                builder.ConfigureLoggers(loggers => loggers.LogLevel = Environment.GetEnvironmentVariable("ROUTER_TEST_LOGLEVEL") == "debug" ? Akka.Event.LogLevel.DebugLevel : Akka.Event.LogLevel.WarningLevel);
                builder.AddHocon("""
                    akka.cluster.split-brain-resolver.stable-after = 3s
                    akka.coordinated-shutdown.exit-clr = off
                    akka.cluster.sharding.retry-interval = 200ms
                    akka.cluster.sharding.handoff-timeout = 10s
                    """, HoconAddMode.Prepend);
                builder.AddRouterCluster(options with { Port = 0 });
                if (hocon is not null) builder.AddHocon(hocon, HoconAddMode.Prepend);
            }))
            .Build();
        await host.StartAsync();
        return new TestNode(host);
    }

    public Task<IRouteResponse> RouteAsync(RouteRequest request) =>
        Router.Ask<IRouteResponse>(request, TimeSpan.FromSeconds(10));

    public Task<EndpointState> StateOfAsync(string endpointId) =>
        Region.Ask<EndpointState>(new GetEndpointState(endpointId), TimeSpan.FromSeconds(10));

    public void Report(ReportOutcome outcome) => Region.Tell(outcome);

    /// <summary>Leaves the cluster gracefully (hands shards off) and stops the host.</summary>
    public async Task StopAsync()
    {
        await _host.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try { await _host.StopAsync(TimeSpan.FromSeconds(10)); }
        finally { _host.Dispose(); }
    }
}
