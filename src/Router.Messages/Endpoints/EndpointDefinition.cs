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
    bool Drained = false) : IRouterMessage
{
    [JsonIgnore]
    public IReadOnlyList<string> TagsOrEmpty => Tags ?? [];
}
