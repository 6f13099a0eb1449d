namespace Router.Messages.Routing;

/// <summary>An answer to <see cref="RouteRequest"/>.</summary>
public interface IRouteResponse : IRouterMessage
{
    string ModelGroup { get; }
}

/// <summary>A lease was granted; <paramref name="Attempts"/> counts the endpoints asked (1 in the common case).</summary>
/// <param name="Incarnation">The endpoint actor's incarnation that granted it: a caller on another node checks it against
/// the incarnations that asked that node what it holds (the grant may have missed their answer). 0 when the router granted
/// it without asking the endpoint, or from a node too old to say.</param>
public sealed record LeaseGranted(Lease Lease, int Attempts, long Incarnation = 0) : IRouteResponse
{
    public string ModelGroup => Lease.ModelGroup;
}

/// <summary>No endpoint of the group can take the request now; says why and when to try again.</summary>
public sealed record NoEndpointAvailable(
    string ModelGroup,
    NoEndpointReason Reason,
    string Message,
    TimeSpan? RetryAfter = null) : IRouteResponse;

public enum NoEndpointReason
{
    UnknownGroup,
    NoEndpoints,
    NoMatchingTags,
    ContextWindowExceeded,
    AllExcluded,
    AllDrained,
    AllCoolingDown,
    AllAtCapacity,
    AllRateLimited,
    Timeout,
    /// <summary>This node cannot reach a majority of the gateways (cut off, or just resumed from a pause).</summary>
    NoQuorum,
}
