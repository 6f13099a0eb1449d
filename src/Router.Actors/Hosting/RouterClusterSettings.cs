using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Remote.Hosting;
using Router.Actors.Endpoints;
using Router.Actors.Routing;
using Router.Actors.Strategies;
using Router.Messages.Endpoints;

namespace Router.Actors.Hosting;

/// <summary>Everything <see cref="RouterHostingExtensions.AddRouterCluster"/> (or the parts it composes) needs to join a node to the router cluster.</summary>
public sealed record RouterClusterSettings
{
    /// <summary>The actor system name all nodes share; seed addresses look like akka.tcp://llm-router@host:port.</summary>
    public const string DefaultSystemName = "llm-router";

    /// <summary>Nodes with this role host endpoint shards and a router pool.</summary>
    public const string GatewayRole = "gateway";

    public string Hostname { get; init; } = "127.0.0.1";

    /// <summary>Remoting port; 0 picks a free one (tests).</summary>
    public int Port { get; init; } = 4053;

    /// <summary>The address other nodes use to reach this one, when it differs from <see cref="Hostname"/> (containers).</summary>
    public string? PublicHostname { get; init; }

    /// <summary>akka.tcp://llm-router@host:port addresses. Empty: join programmatically (tests) or form a single-node cluster.</summary>
    public IReadOnlyList<string> SeedNodes { get; init; } = [];

    /// <summary>Cluster roles; without <see cref="GatewayRole"/> the node is a client of the router (another Akka service).</summary>
    public IReadOnlyList<string> Roles { get; init; } = [GatewayRole];

    /// <summary>Shards of the endpoint region: about 10x the largest node count, fixed for the cluster's life.</summary>
    public int ShardCount { get; init; } = 100;

    /// <summary>Router actors per node.</summary>
    public int RouterPoolSize { get; init; } = Math.Clamp(Environment.ProcessorCount, 2, 8);

    /// <summary>How long a directory change waits for a majority of nodes.</summary>
    public TimeSpan DirectoryWriteTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long an admin read waits for each endpoint's actor (or each node) before it answers with what this node
    /// knows instead (the last pushed snapshot, marked stale or unreachable): an incident is when admins read most.
    /// </summary>
    public TimeSpan AdminReadTimeout { get; init; } = TimeSpan.FromSeconds(2);

    public EndpointSettings Endpoint { get; init; } = new();
    public RoutingSettings Routing { get; init; } = new();

    /// <summary>Model groups from configuration, offered to the registry when the node starts; runtime changes made by admins win over these.</summary>
    public IReadOnlyList<ModelGroupDefinition> Groups { get; init; } = [];

    /// <summary>Endpoints from configuration, offered to the registry when the node starts; runtime changes made by admins win over these.</summary>
    public IReadOnlyList<EndpointDefinition> Endpoints { get; init; } = [];

    /// <summary>Where the registry's journal is, for the registry's start-up log (the gateway node names its Registry:Provider).</summary>
    public string RegistryDescription { get; init; } = "the actor system's default journal";

    /// <summary>Built-in strategies plus any custom ones the application registers.</summary>
    public StrategyRegistry Strategies { get; init; } = new();

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>
    /// The scope of the node's meter (<see cref="System.Diagnostics.Metrics.MeterOptions.Scope"/>), so an exporter can tell
    /// this node's instruments from another node's in the same process (tests, benchmarks); null is process-wide.
    /// </summary>
    public object? MetricsScope { get; init; }
    public IRandomSource Random { get; init; } = SharedRandomSource.Instance;

    public bool IsGateway => Roles.Contains(GatewayRole);

    /// <summary>Akka.Remote settings for <c>WithRemoting</c>: this node's address and frames large enough for the replicated directory.</summary>
    public RemoteOptions ToRemoteOptions() => new()
    {
        HostName = Hostname,
        Port = Port,
        PublicHostName = PublicHostname,
        // The replicated directory of a large deployment (1,000+ endpoints) exceeds Akka's 128 KB default.
        MaxFrameSize = 8 * 1024 * 1024,
        SendBufferSize = 16 * 1024 * 1024,
        ReceiveBufferSize = 16 * 1024 * 1024,
    };

    /// <summary>Akka.Cluster settings for <c>WithClustering</c>: roles, seed nodes and the keep-majority split-brain resolver over gateways.</summary>
    public ClusterOptions ToClusterOptions() => new()
    {
        Roles = Roles.ToArray(),
        SeedNodes = SeedNodes.ToArray(),
        // Only gateways decide which side survives: client-role services joining or leaving never tip the majority.
        SplitBrainResolver = new KeepMajorityOption { Role = GatewayRole },
    };
}
