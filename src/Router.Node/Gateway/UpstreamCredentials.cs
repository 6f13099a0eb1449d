using Router.Messages.Endpoints;

namespace Router.Node.Gateway;

/// <summary>
/// How one endpoint is called: its auth style, its key and its extra static headers, with the values read from
/// the environment variables the endpoint names. The values are secrets: they go upstream and nowhere else, and
/// <see cref="Redactor"/> masks them in whatever comes back.
/// </summary>
internal sealed class UpstreamCredentials
{
    /// <summary>Client headers that carry credentials for this gateway (or cookies): never forwarded upstream.</summary>
    public static readonly string[] ClientCredentialHeaders = ["Authorization", "Proxy-Authorization", "api-key", "x-api-key", "Cookie"];

    public static readonly UpstreamCredentials Anonymous = new(null, UpstreamAuth.None, null, []);

    private readonly EndpointDefinition? _madeFor;
    private readonly string? _bearer; // "Bearer <key>", made once rather than per request

    private UpstreamCredentials(EndpointDefinition? madeFor, string auth, string? key, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        _madeFor = madeFor;
        Auth = auth;
        Key = key;
        Headers = headers;
        _bearer = auth == UpstreamAuth.Bearer && key is not null ? "Bearer " + key : null;
        Redactor = new SecretRedactor(Secrets);
    }

    /// <summary>One of <see cref="UpstreamAuth"/>'s styles, lower case.</summary>
    public string Auth { get; }

    /// <summary>The upstream key, when the endpoint names a variable that is set.</summary>
    public string? Key { get; }

    /// <summary>Extra headers with their values (unset variables are left out).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>Every secret value this endpoint sends upstream.</summary>
    private IEnumerable<string> Secrets => Key is null ? Headers.Select(h => h.Value) : Headers.Select(h => h.Value).Prepend(Key);

    /// <summary>Masks <see cref="Secrets"/>, which are all the upstream ever sees and so all it can echo: made with the
    /// credentials, so a rotated key is masked from the first request that sends it.</summary>
    public SecretRedactor Redactor { get; }

    public static UpstreamCredentials For(EndpointDefinition? endpoint, Func<string, string?> environment)
    {
        if (endpoint is null) return Anonymous;
        var auth = UpstreamAuth.Normalize(endpoint.Auth);
        var key = KeyOf(endpoint, auth, environment);
        if (endpoint.HeadersFromEnv is not { Count: > 0 } extra) return new UpstreamCredentials(endpoint, auth, key, []);
        var headers = new List<KeyValuePair<string, string>>(extra.Count);
        foreach (var (name, variable) in extra)
            if (NonEmpty(environment(variable)) is { } value) headers.Add(new(name, value));
        return new UpstreamCredentials(endpoint, auth, key, headers);
    }

    /// <summary>Whether <see cref="For"/> would give the same for <paramref name="endpoint"/> now: made from this very
    /// definition, and its variables hold the same values (a key set anew takes effect on the next request).</summary>
    public bool IsCurrentFor(EndpointDefinition endpoint, Func<string, string?> environment)
    {
        if (!ReferenceEquals(_madeFor, endpoint) || !string.Equals(KeyOf(endpoint, Auth, environment), Key, StringComparison.Ordinal)) return false;
        var matched = 0;
        if (endpoint.HeadersFromEnv is { Count: > 0 } extra)
            foreach (var (_, variable) in extra)
                if (NonEmpty(environment(variable)) is { } value &&
                    (matched >= Headers.Count || !string.Equals(Headers[matched++].Value, value, StringComparison.Ordinal))) return false;
        return matched == Headers.Count;
    }

    /// <summary>Puts the endpoint's own credentials on the upstream request, after removing the client's.</summary>
    public void Apply(HttpRequestMessage request)
    {
        foreach (var name in ClientCredentialHeaders) request.Headers.Remove(name);
        if (Key is not null)
        {
            if (Auth == UpstreamAuth.ApiKey) request.Headers.TryAddWithoutValidation("api-key", Key);
            else if (_bearer is not null) request.Headers.TryAddWithoutValidation("Authorization", _bearer);
        }
        foreach (var (name, value) in Headers)
        {
            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, value);
        }
    }

    /// <summary>The key the endpoint's variable holds now; none for an endpoint without auth or a variable.</summary>
    private static string? KeyOf(EndpointDefinition endpoint, string auth, Func<string, string?> environment) =>
        auth == UpstreamAuth.None || string.IsNullOrWhiteSpace(endpoint.ApiKeyEnv) ? null : NonEmpty(environment(endpoint.ApiKeyEnv));

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
