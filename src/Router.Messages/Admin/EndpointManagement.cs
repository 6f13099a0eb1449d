using Router.Messages.Endpoints;

namespace Router.Messages.Admin;

/// <summary>Changes to the endpoint directory. Each is answered with <see cref="ManagementResult"/>.</summary>
public interface IManagementCommand : IRouterMessage;

public sealed record UpsertModelGroup(ModelGroupDefinition Group) : IManagementCommand;

/// <summary>Changes the strategy of an existing group.</summary>
public sealed record SetGroupStrategy(string ModelGroup, string Strategy) : IManagementCommand;

/// <summary>Adds a new endpoint; refused when the id is taken.</summary>
public sealed record RegisterEndpoint(EndpointDefinition Endpoint) : IManagementCommand;

/// <summary>Changes the given settings of an endpoint; null leaves a setting as it is.</summary>
public sealed record UpdateEndpoint(
    string EndpointId,
    int? Weight = null,
    int? MaxInFlight = null,
    int? Rpm = null,
    long? Tpm = null,
    int? Order = null,
    IReadOnlyList<string>? Tags = null) : IManagementCommand;

public sealed record RemoveEndpoint(string EndpointId) : IManagementCommand;

/// <summary>No new leases; leases already out finish normally.</summary>
public sealed record DrainEndpoint(string EndpointId) : IManagementCommand;

public sealed record UndrainEndpoint(string EndpointId) : IManagementCommand;

public sealed record ManagementResult(bool Succeeded, string Message) : IRouterMessage
{
    public static ManagementResult Ok(string message) => new(true, message);
    public static ManagementResult Rejected(string message) => new(false, message);
}
