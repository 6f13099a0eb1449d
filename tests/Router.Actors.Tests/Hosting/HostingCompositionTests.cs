using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Router.Actors.Hosting;

namespace Router.Actors.Tests.Hosting;

/// <summary>The Akka.Hosting parts composed one by one, as a node's Program does, instead of through AddRouterCluster.</summary>
public sealed class HostingCompositionTests
{
    private static IHost Host(Action<AkkaConfigurationBuilder> compose) =>
        new HostBuilder()
            .ConfigureServices(services => services.AddAkka(RouterClusterSettings.DefaultSystemName, builder =>
            {
                builder.ConfigureLoggers(loggers => loggers.LogLevel = Akka.Event.LogLevel.WarningLevel);
                // The node never joins a cluster: its leave steps have nothing to wait for.
                builder.AddHocon("""
                    akka.coordinated-shutdown.exit-clr = off
                    akka.coordinated-shutdown.phases.cluster-sharding-shutdown-region.timeout = 1s
                    akka.coordinated-shutdown.phases.cluster-leave.timeout = 1s
                    akka.coordinated-shutdown.phases.cluster-exiting.timeout = 1s
                    akka.coordinated-shutdown.phases.cluster-shutdown.timeout = 1s
                    """, HoconAddMode.Prepend);
                compose(builder);
            }))
            .Build();

    [Fact]
    public async Task A_node_composed_from_the_parts_runs_the_runtime_it_was_given_and_registers_every_key()
    {
        var options = new RouterClusterSettings { Port = 0 };
        var runtime = new RouterRuntime(options);
        using var host = Host(akka => akka
            .WithRemoting(options.ToRemoteOptions())
            .WithClustering(options.ToClusterOptions())
            .WithRouterSerialization()
            .WithRouterRuntime(runtime)
            .WithEndpointShards(options)
            .WithEndpointRegistry()
            .WithRouterNodeActors(options));
        await host.StartAsync();
        try
        {
            var system = host.Services.GetRequiredService<ActorSystem>();
            RouterRuntime.Get(system).Should().BeSameAs(runtime);
            var registry = host.Services.GetRequiredService<ActorRegistry>();
            registry.Get<SnapshotGossip>().Path.ToStringWithoutAddress().Should().Be("/user/" + RouterHostingExtensions.SnapshotGossipName);
            registry.Get<EndpointDirectory>().Path.ToStringWithoutAddress().Should().Be("/user/" + RouterHostingExtensions.EndpointDirectoryName);
            registry.Get<RouterPool>().Path.ToStringWithoutAddress().Should().Be("/user/" + RouterHostingExtensions.RouterActorName);
            registry.TryGet<EndpointRegion>(out _).Should().BeTrue();
            registry.TryGet<EndpointRegistry>(out _).Should().BeTrue();
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Endpoint_shards_composed_before_the_runtime_stop_the_start_up_and_name_the_snapshot_gossip()
    {
        var options = new RouterClusterSettings { Port = 0 };
        using var host = Host(akka => akka
            .WithRemoting(options.ToRemoteOptions())
            .WithClustering(options.ToClusterOptions())
            .WithEndpointShards(options)
            .WithRouterRuntime(options));

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<MissingActorRegistryEntryException>()).WithMessage($"*{nameof(SnapshotGossip)}*");
    }
}
