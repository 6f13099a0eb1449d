using Akka.Actor;
using Akka.Actor.Setup;
using Router.Actors.Directory;
using Router.Actors.Endpoints;
using Router.Actors.Leasing;
using Router.Actors.Membership;
using Router.Actors.Routing;
using Router.Actors.Strategies;

namespace Router.Actors.Hosting;

/// <summary>
/// The node-local state shared by the router's actors and the gateway: the directory view and the snapshot
/// cache (both lock-free reads), the strategy registry and the options. One per actor system; on the gateway also a DI
/// singleton, and code is handed it explicitly (constructors, <see cref="RouterClient"/>, <c>AddRouterClient</c>).
/// </summary>
/// <remarks>
/// Why it is still an Akka extension: the hosting parts (<c>WithEndpointShards</c>, <c>WithEndpointRegistry</c>,
/// <c>WithRouterNodeActors</c>) create actors inside Akka.Hosting's start-up callbacks, which get the
/// <see cref="ActorSystem"/> but not necessarily a DI container holding the runtime: <c>AddRouterCluster(options)</c>
/// is an <c>AkkaConfigurationBuilder</c> extension with no <c>IServiceCollection</c> to register into, and the
/// tests, the benchmarks and client-role services call it that way. So the runtime travels with the actor system
/// (a <see cref="RouterRuntimeSetup"/>, loaded as an extension) and those callbacks, and only they, call
/// <see cref="Get"/>; everything they create receives it as a constructor argument.
/// </remarks>
public sealed class RouterRuntime : IExtension
{
    public RouterRuntime(RouterClusterSettings options)
    {
        Options = options;
        Leases = new LeaseBook(options.Clock);
        Activity = new LeaseActivityOutbox(EndpointHomes);
        Spares = new SpareLeasePool(Leases, Activity, options.Clock);
        Allowances = new RateAllowancePool(Activity, options.Clock);
        Quorum = new QuorumState(options.Clock, options.Endpoint.AuthorityTtl, options.Endpoint.QuorumInterval);
        // Start from configuration so the node routes before the first replicated update arrives.
        Directory.Publish(new DirectorySnapshot(options.Groups, options.Endpoints));
        Metrics = new RouterMetrics(Directory, Snapshots, options.MetricsScope);
    }

    public RouterClusterSettings Options { get; }
    public DirectoryView Directory { get; } = new();
    public SnapshotCache Snapshots { get; } = new();

    /// <summary>Leases this node's callers hold: renewed, fenced, and reported to an endpoint actor that restarted elsewhere.</summary>
    public LeaseBook Leases { get; }

    /// <summary>Lease activity for endpoints on other nodes, sent in batches per node pair.</summary>
    public LeaseActivityOutbox Activity { get; }

    /// <summary>Spare leases capped endpoints on other nodes lent this node: requests granted on them skip the round trip.</summary>
    public SpareLeasePool Spares { get; }

    /// <summary>Rpm/tpm budget endpoints on other nodes lent this node's routers.</summary>
    public RateAllowancePool Allowances { get; }

    /// <summary>Whether this node reaches a majority of the gateways: endpoint actors here grant only while it does.</summary>
    public QuorumState Quorum { get; }

    /// <summary>Strategy instances, one per model group on this node, shared by every router of the pool.</summary>
    internal GroupStrategies GroupStrategies { get; } = new();

    public RouterMetrics Metrics { get; }

    /// <summary>The endpoint actors running on this node: told directly, not through the shard region.</summary>
    public LocalEndpointActors LocalEndpoints { get; } = new();

    /// <summary>The node each endpoint's actor last answered from, so a holder can tell when its authority is cut off.</summary>
    internal EndpointHomes EndpointHomes { get; } = new();

    /// <summary>The node each endpoint's latest applied snapshot came from (admin answers only).</summary>
    internal SnapshotOrigins SnapshotOrigins { get; } = new();

    /// <summary>Where this node last heard from the actor of <paramref name="endpointId"/>, if it ever did.</summary>
    public Address? LastKnownHome(string endpointId) =>
        SnapshotOrigins.TryGetOrigin(endpointId, out var origin) ? origin
        : EndpointHomes.TryGetHome(endpointId, out var home) ? home : null;

    /// <summary>Endpoints every router on this node avoids for a while because their actor did not answer in time.</summary>
    internal SilentEndpoints SilentEndpoints { get; } = new();
    public StrategyRegistry Strategies => Options.Strategies;
    public TimeProvider Clock => Options.Clock;

    /// <summary>
    /// The runtime of an actor system composed with <see cref="RouterHostingExtensions.WithRouterRuntime(Akka.Hosting.AkkaConfigurationBuilder, RouterRuntime)"/>
    /// (or <see cref="RouterHostingExtensions.AddRouterCluster"/>), for code that holds only the actor system. An
    /// application with dependency injection can serve the same instance as a singleton instead.
    /// </summary>
    public static RouterRuntime Get(ActorSystem system) => system.WithExtension<RouterRuntime, RouterRuntimeExtensionId>();
}

/// <summary>Carries the node's <see cref="RouterRuntime"/> into its actor system, which hands it out as an extension.</summary>
internal sealed class RouterRuntimeSetup(RouterRuntime runtime) : Setup
{
    public RouterRuntime Runtime { get; } = runtime;
}

/// <summary>
/// Loads the <see cref="RouterRuntime"/> that the actor system was created with (its <see cref="RouterRuntimeSetup"/>).
/// Listed in <c>akka.extensions</c> by <c>WithRouterRuntime</c>, so it is loaded while the actor system starts, before
/// any actor of the application.
/// </summary>
internal sealed class RouterRuntimeExtensionId : ExtensionIdProvider<RouterRuntime>
{
    public override RouterRuntime CreateExtension(ExtendedActorSystem system)
    {
        var setup = system.Settings.Setup.Get<RouterRuntimeSetup>();
        if (!setup.HasValue)
            throw new InvalidOperationException("This actor system was not configured with WithRouterRuntime (or AddRouterCluster).");
        var runtime = setup.Value.Runtime;
        // Its gauges read this node's caches: they go with the actor system, not with the process.
        system.RegisterOnTermination(runtime.Metrics.Dispose);
        return runtime;
    }
}
