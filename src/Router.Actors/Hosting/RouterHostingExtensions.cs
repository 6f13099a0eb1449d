using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Akka.Pattern;
using Akka.Routing;
using Router.Actors.Registry;
using Router.Actors.Directory;
using Router.Actors.Endpoints;
using Router.Actors.Leasing;
using Router.Actors.Membership;
using Router.Actors.Routing;
using Router.Messages;
using Router.Messages.Serialization;

namespace Router.Actors.Hosting;

public static class RouterHostingExtensions
{
    /// <summary>Name of the endpoint entity type in Cluster Sharding.</summary>
    public const string EndpointTypeName = "llm-endpoint";

    /// <summary>Every node's snapshot exchange lives at /user/{this name}.</summary>
    public const string SnapshotExchangeName = "llm-endpoint-snapshots";

    /// <summary>Every node's lease keeper (renews and fences its leases, answers held-lease queries) lives at /user/{this name}.</summary>
    public const string LeaseKeeperName = "llm-lease-keeper";

    /// <summary>Every node's lease activity relay (sends and receives batched grants and releases) lives at /user/{this name}.</summary>
    public const string LeaseActivityRelayName = "llm-lease-activity";

    /// <summary>Every gateway's quorum monitor lives at /user/{this name}.</summary>
    public const string QuorumMonitorName = "llm-quorum";

    /// <summary>Every gateway's router pool lives at /user/{this name}.</summary>
    public const string RouterActorName = "llm-router";

    /// <summary>
    /// Wires a node into the router cluster: remoting, clustering (keep-majority split-brain resolver),
    /// distributed data and pub-sub, the endpoint shard region (a proxy on non-gateway nodes), the endpoint
    /// directory, the snapshot exchange, the router pool and the message serializer. The gateway node,
    /// the tests and client-role services all call this one method.
    /// </summary>
    public static AkkaConfigurationBuilder AddRouterCluster(this AkkaConfigurationBuilder builder, RouterClusterOptions options)
    {
        var runtime = new RouterRuntime(options);
        var extractor = new EndpointMessageExtractor(options.ShardCount);

        builder
            .AddHocon(RouterHocon, HoconAddMode.Prepend)
            .WithRemoting(new RemoteOptions
            {
                HostName = options.Hostname,
                Port = options.Port,
                PublicHostName = options.PublicHostname,
                // The replicated directory of a large deployment (1,000+ endpoints) exceeds Akka's 128 KB default.
                MaxFrameSize = 8 * 1024 * 1024,
                SendBufferSize = 16 * 1024 * 1024,
                ReceiveBufferSize = 16 * 1024 * 1024,
            })
            .WithClustering(new ClusterOptions
            {
                Roles = options.Roles.ToArray(),
                SeedNodes = options.SeedNodes.ToArray(),
                // Only gateways decide which side survives: client-role services joining or leaving never tip the majority.
                SplitBrainResolver = new KeepMajorityOption { Role = RouterClusterOptions.GatewayRole },
            })
            .WithDistributedPubSub(string.Empty)
            .WithCustomSerializer(RouterMessageSerializer.SerializerName, [typeof(IRouterMessage)],
                system => new RouterMessageSerializer(system));

        if (options.IsGateway)
        {
            builder.WithShardRegion<EndpointRegion>(EndpointTypeName,
                (system, registry) =>
                {
                    var exchange = StartNodeServices(system, registry, runtime);
                    return endpointId => Props.Create(() => new EndpointActor(endpointId, runtime, exchange));
                },
                extractor,
                new ShardOptions
                {
                    Role = RouterClusterOptions.GatewayRole,
                    StateStoreMode = StateStoreMode.DData,
                    RememberEntities = false,
                    // Passivating an idle endpoint would drop its latency window and counters.
                    ShouldPassivateIdleEntities = false,
                });
        }
        else
        {
            builder.WithShardRegionProxy<EndpointRegion>(EndpointTypeName, RouterClusterOptions.GatewayRole, extractor);
        }

        // The registry: one persistent writer of the directory for the whole cluster, restarted with
        // back-off if its journal fails; every node gets a proxy to it.
        builder.WithSingleton<EndpointRegistry>("llm-endpoint-registry",
            BackoffSupervisor.Props(Backoff.OnStop(
                Props.Create(() => new EndpointRegistryActor(runtime)), "registry",
                TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2, maxNrOfRetries: -1)),
            new ClusterSingletonOptions { Role = RouterClusterOptions.GatewayRole },
            createProxyToo: true);

        return builder.WithActors((system, registry) =>
        {
            StartNodeServices(system, registry, runtime);
            var region = registry.Get<EndpointRegion>();
            var registryProxy = registry.Get<EndpointRegistry>();
            var directory = system.ActorOf(Props.Create(() => new EndpointDirectoryActor(runtime, region, registryProxy)), "llm-endpoint-directory");
            registry.Register<EndpointDirectory>(directory);
            system.ActorOf(Props.Create(() => new LeaseKeeperActor(runtime, region)), LeaseKeeperName);
            system.ActorOf(Props.Create(() => new LateGrantReleaser(region)), "llm-late-grants");
            system.ActorOf(Props.Create(() => new LeaseActivityRelay(runtime, region)), LeaseActivityRelayName);
            if (!options.IsGateway) return;

            system.ActorOf(Props.Create(() => new ConfigurationOfferActor(runtime, registryProxy)), "llm-registry-configuration");

            // On Akka's internal dispatcher, like the cluster's own heartbeats: a busy routing path must not make a
            // healthy node look cut off.
            system.ActorOf(Props.Create(() => new QuorumMonitorActor(runtime)).WithDispatcher("akka.actor.internal-dispatcher"), QuorumMonitorName);
            var pool = system.ActorOf(
                Props.Create(() => new RouterActor(runtime, region)).WithRouter(new RoundRobinPool(options.RouterPoolSize)),
                RouterActorName);
            registry.Register<RouterPool>(pool);
        });
    }

    /// <summary>
    /// Registers the runtime extension and starts the snapshot exchange, once, whichever start-up task needs
    /// them first (Akka.Hosting starts shard regions before plain actors).
    /// </summary>
    private static IActorRef StartNodeServices(ActorSystem system, IActorRegistry registry, RouterRuntime runtime)
    {
        if (registry.TryGet<SnapshotExchange>(out var existing)) return existing;
        system.RegisterExtension(new RouterRuntimeExtensionId(runtime));
        // Its gauges read this node's caches: they go with the actor system, not with the process.
        system.RegisterOnTermination(runtime.Metrics.Dispose);
        var exchange = system.ActorOf(
            Props.Create(() => new SnapshotExchangeActor(runtime)),
            SnapshotExchangeName);
        registry.Register<SnapshotExchange>(exchange);
        return exchange;
    }

    /// <summary>Settings no option exposes: fast local notification of directory changes.</summary>
    private const string RouterHocon = """
        akka.cluster.distributed-data.notify-subscribers-interval = 50ms
        akka.cluster.distributed-data.gossip-interval = 500ms
        # The registry proxy warned "failed to find the singleton after 30 seconds" seconds after every start,
        # while the registry answered normally; the warning only alarmed operators.
        akka.cluster.singleton-proxy.log-singleton-identification-failure = off
        """;
}
