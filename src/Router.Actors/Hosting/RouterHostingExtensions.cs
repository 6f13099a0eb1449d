using Akka.Actor;
using Akka.Cluster.Hosting;
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

/// <summary>
/// The Akka.Hosting parts of a router node. A node's <c>Program</c> configures its own remoting and clustering
/// (<see cref="RouterClusterSettings.ToRemoteOptions"/> and <see cref="RouterClusterSettings.ToClusterOptions"/> give the
/// router's settings) and then composes, in this order:
/// <code>
/// akka.WithRemoting(options.ToRemoteOptions())
///     .WithClustering(options.ToClusterOptions())
///     .WithRouterSerialization()      // IRouterMessage -> RouterMessageSerializer
///     .WithRouterRuntime(options)     // the RouterRuntime extension (before any actor starts) + snapshot gossip and replica
///     .WithEndpointShards(options)    // EndpointActor shard region (gateways) or its proxy (client roles)
///     .WithEndpointRegistry()         // the registry singleton and its proxy
///     .WithRouterNodeActors(options); // directory follower/front, group-state reader, lease keeper, relays; on gateways quorum monitor and router pool
/// </code>
/// <see cref="AddRouterCluster"/> is that sequence in one call. Akka.Hosting starts actors in the order they were
/// composed; each part resolves what it needs from the actor registry when it starts, so a part composed before the one
/// it needs fails at start-up with the missing key named, instead of running without it.
/// </summary>
public static class RouterHostingExtensions
{
    /// <summary>Name of the endpoint entity type in Cluster Sharding.</summary>
    public const string EndpointTypeName = "llm-endpoint";

    /// <summary>Every node's snapshot gossip (publishes this node's endpoint snapshots, applies the other nodes') lives at /user/{this name}.</summary>
    public const string SnapshotGossipName = "llm-snapshot-gossip";

    /// <summary>
    /// Every node's replica of strict endpoints' snapshots lives at /user/{this name}. Endpoint actors on other nodes
    /// send it <c>ReplicateSnapshot</c> by this path, so it never changes (it is the path the single snapshot exchange
    /// had before gossip and replication were split: nodes of both versions answer each other).
    /// </summary>
    public const string SnapshotReplicaName = "llm-endpoint-snapshots";

    /// <summary>The registry singleton's manager lives at /user/{this name} on every gateway, its proxy at /user/{this name}-proxy on every node.</summary>
    public const string EndpointRegistryName = "llm-endpoint-registry";

    /// <summary>Every node's entry point for directory requests (management commands, group-state reads) lives at /user/{this name}.</summary>
    public const string EndpointDirectoryName = "llm-endpoint-directory";

    /// <summary>Every node's follower of the replicated directory (it feeds the node's <c>DirectoryView</c>) lives at /user/{this name}.</summary>
    public const string DirectoryFollowerName = "llm-directory-follower";

    /// <summary>Every node's reader of group state for admin answers lives at /user/{this name}.</summary>
    public const string GroupStateReaderName = "llm-group-state";

    /// <summary>Every node's lease keeper (renews and fences its leases, answers held-lease queries) lives at /user/{this name}.</summary>
    public const string LeaseKeeperName = "llm-lease-keeper";

    /// <summary>Every node's releaser of grants that land in dead letters lives at /user/{this name}.</summary>
    public const string LateGrantReleaserName = "llm-late-grants";

    /// <summary>Every gateway's forwarder of messages that reached a local endpoint actor as it stopped lives at /user/{this name}.</summary>
    public const string StrandedEndpointMessagesName = "llm-stranded-endpoint-messages";

    /// <summary>Every node's lease activity relay (sends and receives batched grants and releases) lives at /user/{this name}.</summary>
    public const string LeaseActivityRelayName = "llm-lease-activity";

    /// <summary>Every gateway's offer of its configuration to the registry lives at /user/{this name}.</summary>
    public const string ConfigurationOfferName = "llm-registry-configuration";

    /// <summary>Every gateway's quorum monitor lives at /user/{this name}.</summary>
    public const string QuorumMonitorName = "llm-quorum";

    /// <summary>Every gateway's router pool lives at /user/{this name}.</summary>
    public const string RouterActorName = "llm-router";

    /// <summary>
    /// Wires a node into the router cluster in one call: remoting and clustering with the router's settings
    /// (<see cref="RouterClusterSettings.ToRemoteOptions"/>, <see cref="RouterClusterSettings.ToClusterOptions"/>: the
    /// keep-majority split-brain resolver counts gateways only), then every part below. The tests, the benchmarks and
    /// client-role services call this; the gateway node composes the parts itself.
    /// </summary>
    public static AkkaConfigurationBuilder AddRouterCluster(this AkkaConfigurationBuilder builder, RouterClusterSettings options) =>
        builder
            .WithRemoting(options.ToRemoteOptions())
            .WithClustering(options.ToClusterOptions())
            .WithRouterSerialization()
            .WithRouterRuntime(options)
            .WithEndpointShards(options)
            .WithEndpointRegistry()
            .WithRouterNodeActors(options);

    /// <summary>Binds every <see cref="IRouterMessage"/> to <see cref="RouterMessageSerializer"/>: no router message may fall back to Akka's default serializer.</summary>
    public static AkkaConfigurationBuilder WithRouterSerialization(this AkkaConfigurationBuilder builder) =>
        builder.WithCustomSerializer(RouterMessageSerializer.SerializerName, [typeof(IRouterMessage)],
            system => new RouterMessageSerializer(system));

    /// <inheritdoc cref="WithRouterRuntime(AkkaConfigurationBuilder, RouterRuntime)"/>
    public static AkkaConfigurationBuilder WithRouterRuntime(this AkkaConfigurationBuilder builder, RouterClusterSettings options) =>
        builder.WithRouterRuntime(new RouterRuntime(options));

    /// <summary>
    /// Makes <paramref name="runtime"/> the actor system's <see cref="RouterRuntime"/> and starts the node's snapshot
    /// gossip (which fills the runtime's snapshot cache, over distributed pub-sub) and snapshot replica (which confirms
    /// strict endpoints' snapshots to their actors on other nodes). The runtime goes in as an
    /// <see cref="Akka.Actor.Setup.Setup"/> of the actor system and is loaded as an <c>akka.extensions</c> entry, so it
    /// exists before any actor starts, whatever the order of the other parts. Compose this once, before
    /// <see cref="WithEndpointShards"/>: every <c>EndpointActor</c> is given the snapshot gossip when it is created.
    /// </summary>
    /// <param name="runtime">The node's runtime; an application that also serves it from DI passes its singleton here.</param>
    public static AkkaConfigurationBuilder WithRouterRuntime(this AkkaConfigurationBuilder builder, RouterRuntime runtime) =>
        builder
            .AddSetup(new RouterRuntimeSetup(runtime))
            .WithExtension<RouterRuntimeExtensionId>()
            .WithDistributedPubSub(string.Empty)
            .WithActors((system, registry) =>
            {
                var applier = new SnapshotApplier(runtime, Akka.Cluster.Cluster.Get(system).SelfAddress);
                var gossip = system.ActorOf(Props.Create(() => new SnapshotGossipActor(applier, runtime.Options.Endpoint.SnapshotInterval)), SnapshotGossipName);
                registry.Register<SnapshotGossip>(gossip);
                system.ActorOf(Props.Create(() => new SnapshotReplicaActor(applier)), SnapshotReplicaName);
            });

    /// <summary>
    /// On a gateway, the shard region of <c>EndpointActor</c>s (type <see cref="EndpointTypeName"/>, gateway role,
    /// DData state store, no remembered entities, no idle passivation); on any other node, a proxy to it. Registered as
    /// <see cref="EndpointRegion"/>. Compose after <see cref="WithRouterRuntime(AkkaConfigurationBuilder, RouterRuntime)"/>.
    /// </summary>
    public static AkkaConfigurationBuilder WithEndpointShards(this AkkaConfigurationBuilder builder, RouterClusterSettings options)
    {
        var extractor = new EndpointMessageExtractor(options.ShardCount);
        if (!options.IsGateway)
            return builder.WithShardRegionProxy<EndpointRegion>(EndpointTypeName, RouterClusterSettings.GatewayRole, extractor);

        return builder.WithShardRegion<EndpointRegion>(EndpointTypeName,
            (system, registry) =>
            {
                var runtime = RouterRuntime.Get(system); // this part is given options only: see RouterRuntime's remarks
                // Resolved before the region starts, so it exists before the first entity: a missing one stops the start-up.
                var gossip = registry.Get<SnapshotGossip>();
                return endpointId => Props.Create(() => new EndpointActor(endpointId, runtime, gossip));
            },
            extractor,
            new ShardOptions
            {
                Role = RouterClusterSettings.GatewayRole,
                StateStoreMode = StateStoreMode.DData,
                RememberEntities = false,
                // Passivating an idle endpoint would drop its latency window and counters.
                ShouldPassivateIdleEntities = false,
            });
    }

    /// <summary>
    /// The registry: one persistent writer of the directory for the whole cluster (a singleton on the oldest gateway,
    /// restarted with back-off if its journal fails), and a proxy to it on every node, registered as
    /// <see cref="EndpointRegistry"/>. The journal is the actor system's default one: configure persistence first.
    /// </summary>
    public static AkkaConfigurationBuilder WithEndpointRegistry(this AkkaConfigurationBuilder builder) =>
        builder
            // The registry proxy warned "failed to find the singleton after 30 seconds" seconds after every start,
            // while the registry answered normally; the warning only alarmed operators.
            .AddHocon("akka.cluster.singleton-proxy.log-singleton-identification-failure = off", HoconAddMode.Prepend)
            .WithSingleton<EndpointRegistry>(EndpointRegistryName,
                (system, _, _) =>
                {
                    var runtime = RouterRuntime.Get(system);
                    return BackoffSupervisor.Props(Backoff.OnStop(
                        Props.Create(() => new EndpointRegistryActor(runtime)), "registry",
                        TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2, maxNrOfRetries: -1));
                },
                new ClusterSingletonOptions { Role = RouterClusterSettings.GatewayRole },
                createProxyToo: true);

    /// <summary>
    /// The node's own actors. On every node: the directory follower, the group-state reader, the directory's front
    /// (registered as <see cref="EndpointDirectory"/>), the lease keeper, the late-grant releaser and the lease activity relay. On a gateway also: the forwarder of stranded endpoint messages, the configuration offer to
    /// the registry, the quorum monitor and the router pool (registered as <see cref="RouterPool"/>). Compose after
    /// <see cref="WithEndpointShards"/> and <see cref="WithEndpointRegistry"/>: these actors are given the region and the
    /// registry proxy.
    /// </summary>
    public static AkkaConfigurationBuilder WithRouterNodeActors(this AkkaConfigurationBuilder builder, RouterClusterSettings options) =>
        builder
            // Fast local notification of directory changes.
            .AddHocon("""
                akka.cluster.distributed-data.notify-subscribers-interval = 50ms
                akka.cluster.distributed-data.gossip-interval = 500ms
                """, HoconAddMode.Prepend)
            .WithActors((system, registry) =>
            {
                var runtime = RouterRuntime.Get(system);
                var region = registry.Get<EndpointRegion>();
                var registryProxy = registry.Get<EndpointRegistry>();
                system.ActorOf(Props.Create(() => new DirectoryFollowerActor(runtime)), DirectoryFollowerName);
                var groupStates = system.ActorOf(Props.Create(() => new GroupStateReaderActor(runtime, region)), GroupStateReaderName);
                var directory = system.ActorOf(Props.Create(() => new DirectoryFrontActor(registryProxy, groupStates)), EndpointDirectoryName);
                registry.Register<EndpointDirectory>(directory);
                system.ActorOf(Props.Create(() => new LeaseKeeperActor(runtime, region)), LeaseKeeperName);
                system.ActorOf(Props.Create(() => new LateGrantReleaser(region, runtime.Leases)), LateGrantReleaserName);
                system.ActorOf(Props.Create(() => new LeaseActivityRelay(runtime, region)), LeaseActivityRelayName);
                if (!options.IsGateway) return;

                system.ActorOf(Props.Create(() => new ConfigurationOfferActor(runtime, registryProxy)), ConfigurationOfferName);
                system.ActorOf(Props.Create(() => new StrandedEndpointMessages(region)), StrandedEndpointMessagesName);

                // On Akka's internal dispatcher, like the cluster's own heartbeats: a busy routing path must not make a
                // healthy node look cut off.
                system.ActorOf(Props.Create(() => new QuorumMonitorActor(runtime)).WithDispatcher("akka.actor.internal-dispatcher"), QuorumMonitorName);
                var pool = system.ActorOf(
                    Props.Create(() => new RouterActor(runtime, region)).WithRouter(new RoundRobinPool(options.RouterPoolSize)),
                    RouterActorName);
                registry.Register<RouterPool>(pool);
            });
}
