using Router.Messages.Endpoints;

namespace Router.Messages.Admin;

/// <summary>Changes to the endpoint directory. Each is answered with <see cref="ManagementResult"/>.</summary>
public interface IManagementCommand : IRouterMessage
{
    /// <summary>
    /// When set, the registry refuses the command (changing nothing) if it reaches it after this moment: an admin whose
    /// request timed out was told it failed, and a command buffered while the registry was unreachable (a proxy's buffer,
    /// a frozen node's socket) must not land minutes later. Null: no deadline (older senders).
    /// </summary>
    DateTimeOffset? NotAfter { get; }
}

/// <summary>The common part of every <see cref="IManagementCommand"/>.</summary>
public abstract record ManagementCommand : IManagementCommand
{
    public DateTimeOffset? NotAfter { get; init; }
}

public sealed record UpsertModelGroup(ModelGroupDefinition Group) : ManagementCommand;

/// <summary>Changes the strategy of an existing group.</summary>
public sealed record SetGroupStrategy(string ModelGroup, string Strategy) : ManagementCommand;

/// <summary>Adds a new endpoint; refused when the id is taken.</summary>
public sealed record RegisterEndpoint(EndpointDefinition Endpoint) : ManagementCommand;

/// <summary>Changes the given settings of an endpoint; null leaves a setting as it is.</summary>
public sealed record UpdateEndpoint(
    string EndpointId,
    int? Weight = null,
    int? MaxInFlight = null,
    int? Rpm = null,
    long? Tpm = null,
    int? Order = null,
    IReadOnlyList<string>? Tags = null) : ManagementCommand;

public sealed record RemoveEndpoint(string EndpointId) : ManagementCommand;

/// <summary>No new leases; leases already out finish normally.</summary>
public sealed record DrainEndpoint(string EndpointId) : ManagementCommand;

public sealed record UndrainEndpoint(string EndpointId) : ManagementCommand;

/// <param name="Code">Why a command was refused, when it is not the command's content: <see cref="Expired"/>. Null otherwise.</param>
public sealed record ManagementResult(bool Succeeded, string Message, string? Code = null) : IRouterMessage
{
    /// <summary>The command reached the registry after its <see cref="IManagementCommand.NotAfter"/>; nothing was changed.</summary>
    public const string Expired = "expired";

    public static ManagementResult Ok(string message) => new(true, message);
    public static ManagementResult Rejected(string message) => new(false, message);
}
