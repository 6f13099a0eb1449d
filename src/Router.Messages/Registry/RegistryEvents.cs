using Router.Messages.Endpoints;

namespace Router.Messages.Registry;

/// <summary>
/// Events the endpoint registry persists for every runtime change (Akka.Persistence). Replayed over the
/// configuration at start-up, so runtime changes win over configuration entries with the same id.
/// Each carries the whole resulting definition, so replay needs no other state.
/// </summary>
public interface IRegistryEvent : IRouterMessage;

public sealed record EndpointSaved(EndpointDefinition Endpoint) : IRegistryEvent;

public sealed record EndpointDeleted(string EndpointId) : IRegistryEvent;

public sealed record GroupSaved(ModelGroupDefinition Group) : IRegistryEvent;

/// <summary>
/// A gateway offers its configuration to the registry when it starts (retried until answered). The registry adds
/// what it does not hold yet, updates entries that came from configuration, keeps runtime changes (with a warning
/// naming both versions) and never removes anything because a configuration lacks it.
/// </summary>
/// <param name="Node">The offering node's address, for the registry's log.</param>
public sealed record OfferConfiguration(
    string Node,
    IReadOnlyList<ModelGroupDefinition> Groups,
    IReadOnlyList<EndpointDefinition> Endpoints) : IRouterMessage;

/// <summary>What the registry did with an <see cref="OfferConfiguration"/>, for the offering node's log.</summary>
/// <param name="Registry">Where the registry lives and what it recovered (one line).</param>
/// <param name="Applied">Entries added or updated from this configuration.</param>
/// <param name="Warnings">Configuration entries the registry did not apply, and why.</param>
public sealed record ConfigurationOffered(
    string Registry,
    IReadOnlyList<string> Applied,
    IReadOnlyList<string> Warnings) : IRouterMessage;
