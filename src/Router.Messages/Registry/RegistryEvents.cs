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
