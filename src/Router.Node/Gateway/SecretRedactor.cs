using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

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

    private readonly string[] _secrets;
    private readonly byte[][] _patterns;

    public SecretRedactor(IEnumerable<string> secrets)
    {
        var distinct = secrets.Where(s => !string.IsNullOrEmpty(s)).Distinct(StringComparer.Ordinal).ToList();
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
