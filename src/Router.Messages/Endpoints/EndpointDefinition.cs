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
/// <param name="Auth">How the upstream key is sent: <see cref="UpstreamAuth.Bearer"/> (null, the default),
/// <see cref="UpstreamAuth.ApiKey"/> (Azure's <c>api-key</c> header) or <see cref="UpstreamAuth.None"/>.</param>
/// <param name="ApiVersion">Sent upstream as the <c>api-version</c> query parameter (Azure OpenAI's classic
/// deployment urls need it); null sends none.</param>
/// <param name="HeadersFromEnv">Extra static upstream headers: header name to the name of the environment
/// variable holding its value (the value is a secret: never stored here, logged or relayed).</param>
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
    string? Auth = null,
    string? ApiVersion = null,
    IReadOnlyDictionary<string, string>? HeadersFromEnv = null,
    LeaseFencing Fencing = LeaseFencing.Available) : IRouterMessage
{
    [JsonIgnore]
    public IReadOnlyList<string> TagsOrEmpty => Tags ?? [];
}

/// <summary>The ways an endpoint's key is sent upstream (<see cref="EndpointDefinition.Auth"/>), case-insensitive.</summary>
public static class UpstreamAuth
{
    /// <summary><c>Authorization: Bearer &lt;key&gt;</c>: OpenAI, Azure OpenAI v1, vLLM, most servers. The default.</summary>
    public const string Bearer = "bearer";

    /// <summary><c>api-key: &lt;key&gt;</c>: Azure OpenAI's key header.</summary>
    public const string ApiKey = "api-key";

    /// <summary>No key header at all (a local Ollama or vLLM without --api-key).</summary>
    public const string None = "none";

    public static IReadOnlyList<string> All { get; } = [Bearer, ApiKey, None];

    /// <summary>Null or empty means <see cref="Bearer"/>.</summary>
    public static bool IsKnown(string? auth) =>
        string.IsNullOrEmpty(auth) || All.Contains(auth, StringComparer.OrdinalIgnoreCase);

    /// <summary>The canonical (lower-case) style; null or empty is <see cref="Bearer"/>.</summary>
    public static string Normalize(string? auth) => string.IsNullOrEmpty(auth) ? Bearer : auth.ToLowerInvariant();
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
