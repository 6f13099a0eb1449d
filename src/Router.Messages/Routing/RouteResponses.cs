namespace Router.Messages.Routing;

/// <summary>An answer to <see cref="RouteRequest"/>.</summary>
public interface IRouteResponse : IRouterMessage
{
    string ModelGroup { get; }
}

/// <summary>A lease was granted; <paramref name="Attempts"/> counts the endpoints asked (1 in the common case).</summary>
public sealed record LeaseGranted(Lease Lease, int Attempts) : IRouteResponse
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
