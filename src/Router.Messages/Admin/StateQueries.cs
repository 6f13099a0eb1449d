using Router.Messages.Endpoints;

namespace Router.Messages.Admin;

/// <summary>Asks the endpoint's own actor for its exact state.</summary>
public sealed record GetEndpointState(string EndpointId) : IWithEndpointId;

/// <summary><paramref name="Definition"/> is null when the endpoint is not registered.</summary>
public sealed record EndpointState(EndpointDefinition? Definition, EndpointSnapshot Snapshot) : IRouterMessage;

/// <summary>Asks for a group's definition and the exact state of each of its endpoints.</summary>
public sealed record GetGroupState(string ModelGroup) : IRouterMessage;

/// <summary><paramref name="Group"/> is null when no such group exists.</summary>
public sealed record GroupState(ModelGroupDefinition? Group, IReadOnlyList<EndpointState> Endpoints) : IRouterMessage;

public sealed record ListModelGroups : IRouterMessage;

public sealed record ModelGroupList(IReadOnlyList<ModelGroupDefinition> Groups) : IRouterMessage;
