using System.Text.Json.Serialization;

namespace Router.Messages.Endpoints;

/// <summary>
/// One deployment of a model group, as registered in the directory that every node replicates.
/// Holds the name of the environment variable with the upstream API key, never the key itself.
/// </summary>
/// <param name="Id">Cluster-wide unique endpoint id; also the sharded entity id.</param>
/// <param name="UpstreamModel">Model name sent upstream; null keeps the client's.</param>
/// <param name="MaxInFlight">Cluster-wide cap on concurrent leases; null is unlimited.</param>
/// <param name="Rpm">Requests per sliding minute; null is unlimited.</param>
/// <param name="Tpm">Tokens per sliding minute; null is unlimited.</param>
/// <param name="Order">Priority tier: lower tiers are used while any of their endpoints can take a request.</param>
/// <param name="Fencing">What happens to the slots of a holder that stopped renewing (see <see cref="LeaseFencing"/>).</param>
/// <param name="ContextWindow">Largest prompt in tokens; null is unknown (always a candidate).</param>
public sealed record EndpointDefinition(
    string Id,
    string ModelGroup,
    string Url,
    string? ApiKeyEnv = null,
    string? UpstreamModel = null,
    int Weight = 1,
    int? MaxInFlight = null,
    int? Rpm = null,
    long? Tpm = null,
    int Order = 0,
    IReadOnlyList<string>? Tags = null,
    int? ContextWindow = null,
    double InputCostPer1KTokens = 0,
    double OutputCostPer1KTokens = 0,
    bool Drained = false,
    LeaseFencing Fencing = LeaseFencing.Available) : IRouterMessage
{
    [JsonIgnore]
    public IReadOnlyList<string> TagsOrEmpty => Tags ?? [];
}

/// <summary>
/// When the slots of a gateway that stopped renewing its leases (cut off, frozen, crashed) come back.
/// </summary>
public enum LeaseFencing
{
    /// <summary>After the lease TTL: a holder that is cut off but running has aborted its requests by then. Only a
    /// holder frozen longer than the TTL (SIGSTOP, a very long GC pause) can overshoot; that is logged and counted.</summary>
    Available,
    /// <summary>Only at the request's deadline, or once the holder is proven gone (its node restarted): never over
    /// the cap under any pause, at the price of capacity held by a crashed gateway until then.</summary>
    Strict,
}
