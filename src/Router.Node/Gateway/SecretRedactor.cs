using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Router.Actors.Directory;

namespace Router.Node.Gateway;

/// <summary>
/// Replaces every configured upstream secret (endpoint keys and extra-header values) with <see cref="Mask"/> in text
/// and bytes the gateway relays or logs: upstream error bodies, error summaries, response headers. Also finds the
/// secrets as they appear JSON-escaped inside a JSON string.
/// </summary>
internal sealed class SecretRedactor
{
    public const string Mask = "[redacted]";
    private static readonly byte[] MaskBytes = Encoding.UTF8.GetBytes(Mask);

    public static readonly SecretRedactor None = new([]);

    private readonly string[] _secrets;
    private readonly byte[][] _patterns;

    public SecretRedactor(IEnumerable<string> secrets)
    {
        var distinct = secrets.Where(s => !string.IsNullOrEmpty(s)).Distinct(StringComparer.Ordinal).ToList();
        var forms = distinct
            .Concat(distinct.Select(s => JsonEncodedText.Encode(s, JavaScriptEncoder.Default).Value))
            .Concat(distinct.Select(s => JsonEncodedText.Encode(s, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).Value))
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(s => s.Length) // a secret that contains another is masked whole
            .ToArray();
        _secrets = forms;
        _patterns = forms.Select(Encoding.UTF8.GetBytes).ToArray();
    }

    public bool IsEmpty => _secrets.Length == 0;

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
/// The redactor for the current directory: every endpoint's key and extra-header values, read from the environment.
/// Rebuilt when the directory changes (an endpoint was added) or a credential in use is not yet known to it.
/// </summary>
internal sealed class UpstreamSecrets(Func<string, string?> environment)
{
    private sealed record Cache(DirectorySnapshot Directory, SecretRedactor Redactor);
    private Cache? _current;

    public UpstreamSecrets() : this(System.Environment.GetEnvironmentVariable) { }

    public Func<string, string?> Environment { get; } = environment;

    public SecretRedactor For(DirectorySnapshot directory, UpstreamCredentials inUse)
    {
        var current = Volatile.Read(ref _current);
        if (current is not null && ReferenceEquals(current.Directory, directory) && Covers(current.Redactor, inUse)) return current.Redactor;
        var secrets = directory.Endpoints.Values
            .SelectMany(e => UpstreamCredentials.For(e, Environment).Secrets)
            .Concat(inUse.Secrets);
        var redactor = new SecretRedactor(secrets);
        Volatile.Write(ref _current, new Cache(directory, redactor));
        return redactor;
    }

    private static bool Covers(SecretRedactor redactor, UpstreamCredentials credentials)
    {
        foreach (var secret in credentials.Secrets)
            if (redactor.Redact(secret) == secret) return false;
        return true;
    }
}
