using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Router.Actors.Hosting;

namespace Router.Bench;

/// <summary>One gateway node: a generic host running an actor system on a loopback port chosen by the OS.</summary>
public sealed class BenchNode : IAsyncDisposable
{
    private readonly IHost _host;

    private BenchNode(IHost host)
    {
        _host = host;
        System = host.Services.GetRequiredService<ActorSystem>();
        var registry = host.Services.GetRequiredService<ActorRegistry>();
        Runtime = RouterRuntime.Get(System);
        Region = registry.Get<EndpointRegion>();
        Router = registry.Get<RouterPool>();
        Client = new RouterClient(System, Runtime, Region, Router);
        SnapshotExchange = registry.Get<SnapshotGossip>();
    }

    public ActorSystem System { get; }
    public RouterRuntime Runtime { get; }
    public IActorRef Region { get; }
    public IActorRef Router { get; }

    /// <summary>What the gateway itself uses: holds, renews and releases leases like a real caller.</summary>
    public RouterClient Client { get; }
    public IActorRef SnapshotExchange { get; }

    /// <summary>Messages waiting in the mailboxes of this node's snapshot exchange and router actors: a backlog means they cannot keep up.</summary>
    public (int Exchange, int Routers) Backlog() =>
        (Queued(SnapshotExchange), Router is ActorRefWithCell pool ? pool.Children.Sum(Queued) : 0);

    private static int Queued(IActorRef actor) => actor is ActorRefWithCell { Underlying: var cell } ? cell.NumberOfMessages : 0;
    public Akka.Cluster.Cluster Cluster => Akka.Cluster.Cluster.Get(System);

    public static async Task<BenchNode> StartAsync(RouterClusterSettings options)
    {
        var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka(RouterClusterSettings.DefaultSystemName, builder =>
            {
                builder.ConfigureLoggers(loggers => loggers.LogLevel = Akka.Event.LogLevel.WarningLevel);
                builder.AddHocon("akka.coordinated-shutdown.exit-clr = off", HoconAddMode.Prepend);
                builder.AddRouterCluster(options with { Port = 0 });
            }))
            .Build();
        await host.StartAsync();
        return new BenchNode(host);
    }

    public async ValueTask DisposeAsync()
    {
        try { await _host.StopAsync(TimeSpan.FromSeconds(10)); }
        finally { _host.Dispose(); }
    }
}
