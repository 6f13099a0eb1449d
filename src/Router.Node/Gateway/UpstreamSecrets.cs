using System.Collections.Concurrent;
using Router.Messages.Endpoints;

namespace Router.Node.Gateway;

/// <summary>
/// The credentials of each endpoint, with their redactor (<see cref="UpstreamCredentials.Redactor"/>): cached per
/// endpoint and rebuilt when the values change (an environment variable was set anew, the endpoint was redefined), so a
/// request pays a few reads and comparisons.
/// </summary>
internal sealed class UpstreamSecrets(Func<string, string?> environment)
{
    private readonly ConcurrentDictionary<string, UpstreamCredentials> _credentials = new(StringComparer.Ordinal);

    public UpstreamSecrets() : this(System.Environment.GetEnvironmentVariable) { }

    public Func<string, string?> Environment { get; } = environment;

    public UpstreamCredentials CredentialsFor(EndpointDefinition? endpoint)
    {
        if (endpoint is null) return UpstreamCredentials.Anonymous;
        if (_credentials.TryGetValue(endpoint.Id, out var cached) && cached.IsCurrentFor(endpoint, Environment)) return cached;
        var credentials = UpstreamCredentials.For(endpoint, Environment);
        _credentials[endpoint.Id] = credentials;
        return credentials;
    }
}
