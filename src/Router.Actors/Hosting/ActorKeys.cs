namespace Router.Actors.Hosting;

// Keys for Akka.Hosting's actor registry: resolve with IRequiredActor<T> or registry.Get<T>().

/// <summary>The sharded region (or proxy, on client nodes) of <c>EndpointActor</c>s.</summary>
public sealed class EndpointRegion;

/// <summary>This node's pool of <c>RouterActor</c>s; send it <c>RouteRequest</c>.</summary>
public sealed class RouterPool;

/// <summary>This node's entry point for directory requests; send it management commands and group queries.</summary>
public sealed class EndpointDirectory;

/// <summary>This node's snapshot gossip: endpoint actors here send it their snapshots, it publishes them to every node.</summary>
public sealed class SnapshotGossip;

/// <summary>The cluster-singleton endpoint registry (a proxy to it on every node).</summary>
public sealed class EndpointRegistry;
