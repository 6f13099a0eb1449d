using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Collections.Concurrent;
using Router.Messages.Endpoints;

namespace Router.Node.Gateway;

/// <summary>
/// Replaces every configured upstream secret (endpoint keys and extra-header values) with <see cref="Mask"/> in text
/// and bytes the gateway relays or logs: upstream error bodies, error summaries, response headers. Also finds the
/// secrets as they appear JSON-escaped inside a JSON string (\u002B for +, and \/ for / as some writers do).
/// </summary>
internal sealed class SecretRedactor
{
    public const string Mask = "[redacted]";
    private static readonly byte[] MaskBytes = Encoding.UTF8.GetBytes(Mask);

    public static readonly SecretRedactor None = new([]);

    private readonly string[] _raw;
    private readonly string[] _secrets;
    private readonly byte[][] _patterns;

    public SecretRedactor(IEnumerable<string> secrets)
    {
        _raw = secrets.ToArray();
        var distinct = _raw.Where(s => !string.IsNullOrEmpty(s)).Distinct(StringComparer.Ordinal).ToList();
        var forms = distinct
            .Concat(distinct.Select(s => JsonEncodedText.Encode(s, JavaScriptEncoder.Default).Value))
            .Concat(distinct.Select(s => JsonEncodedText.Encode(s, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).Value))
            .Concat(distinct.Select(s => JsonEncodedText.Encode(s, JavaScriptEncoder.Default).Value.Replace("/", "\\/", StringComparison.Ordinal)))
            .Concat(distinct.Select(s => JsonEncodedText.Encode(s, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).Value.Replace("/", "\\/", StringComparison.Ordinal)))
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(s => s.Length) // a secret that contains another is masked whole
            .ToArray();
        _secrets = forms;
        _patterns = forms.Select(Encoding.UTF8.GetBytes).ToArray();
    }

    public bool IsEmpty => _secrets.Length == 0;

    /// <summary>Whether this redactor was made for exactly these secret values.</summary>
    public bool IsFor(IEnumerable<string> secrets) => secrets.SequenceEqual(_raw, StringComparer.Ordinal);

    /// <summary>
    /// <see cref="IsFor(IEnumerable{string})"/> for <paramref name="credentials"/>' secrets (the key, then the header
    /// values), without the LINQ iterators that <see cref="UpstreamCredentials.Secrets"/> builds: asked on every attempt.
    /// </summary>
    public bool IsFor(UpstreamCredentials credentials)
    {
        var offset = 0;
        if (credentials.Key is { } key)
        {
            if (_raw.Length == 0 || !string.Equals(_raw[0], key, StringComparison.Ordinal)) return false;
            offset = 1;
        }
        var headers = credentials.Headers;
        if (_raw.Length != offset + headers.Count) return false;
        for (var i = 0; i < headers.Count; i++)
            if (!string.Equals(_raw[offset + i], headers[i].Value, StringComparison.Ordinal)) return false;
        return true;
    }

    public string Redact(string text)
    {
        foreach (var secret in _secrets)
            if (text.Contains(secret, StringComparison.Ordinal)) text = text.Replace(secret, Mask, StringComparison.Ordinal);
        return text;
    }

    /// <summary>The bytes with every secret masked; the same array when none occurs.</summary>
    public byte[] Redact(byte[] bytes)
    {
        foreach (var pattern in _patterns)
        {
            var at = bytes.AsSpan().IndexOf(pattern);
            if (at < 0) continue;
            var output = new List<byte>(bytes.Length);
            var rest = bytes.AsSpan();
            while (at >= 0)
            {
                output.AddRange(rest[..at]);
                output.AddRange(MaskBytes);
                rest = rest[(at + pattern.Length)..];
                at = rest.IndexOf(pattern);
            }
            output.AddRange(rest);
            bytes = output.ToArray();
        }
        return bytes;
    }
}

/// <summary>
/// The credentials and the redactor of each endpoint (the redactor masks its key and extra-header values, which are all
/// its upstream ever sees, so all it can echo). Both cached per endpoint and rebuilt when the values change (an
/// environment variable was set anew, the endpoint was redefined), so a request pays a few reads and comparisons.
/// </summary>
internal sealed class UpstreamSecrets(Func<string, string?> environment)
{
    private readonly ConcurrentDictionary<string, SecretRedactor> _byEndpoint = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, UpstreamCredentials> _credentials = new(StringComparer.Ordinal);

    public UpstreamSecrets() : this(System.Environment.GetEnvironmentVariable) { }

    public Func<string, string?> Environment { get; } = environment;

    /// <summary>The endpoint's credentials, cached the same way: a request reads its variables and compares them.</summary>
    public UpstreamCredentials CredentialsFor(EndpointDefinition? endpoint)
    {
        if (endpoint is null) return UpstreamCredentials.Anonymous;
        if (_credentials.TryGetValue(endpoint.Id, out var cached) && cached.IsCurrentFor(endpoint, Environment)) return cached;
        var credentials = UpstreamCredentials.For(endpoint, Environment);
        _credentials[endpoint.Id] = credentials;
        return credentials;
    }

    public SecretRedactor For(string endpointId, UpstreamCredentials credentials)
    {
        if (_byEndpoint.TryGetValue(endpointId, out var cached) && cached.IsFor(credentials)) return cached;
        var redactor = new SecretRedactor(credentials.Secrets);
        _byEndpoint[endpointId] = redactor;
        return redactor;
    }
}
