using System.Net;
using System.Text.RegularExpressions;

namespace Router.Cli;

/// <summary>Where a node's admin API listens: <c>host:port</c>, <c>host</c> (port 9110) or a full <c>http(s)://host:port</c> URL.</summary>
internal sealed partial record AdminAddress(Uri BaseUri)
{
    public const int DefaultPort = 9110;
    public const string Default = "127.0.0.1:9110";
    public const string EnvironmentVariable = "ROUTER_ADMIN_ADDRESS";

    /// <summary>How the shell prompt shows the address: <c>host:port</c> for http, the whole URL otherwise.</summary>
    public string Display => BaseUri.Scheme == Uri.UriSchemeHttp
        ? $"{BaseUri.Host}:{BaseUri.Port}"
        : BaseUri.GetLeftPart(UriPartial.Authority);

    public static AdminAddress Parse(string text)
    {
        if (TryParse(text, out var address))
        {
            return address;
        }

        throw new UsageException($"'{text}' is not a valid admin address; expected host:port (e.g. {Default}) or http://host:port");
    }

    public static bool TryParse(string? text, out AdminAddress address)
    {
        address = null!;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var value = text.Trim();
        var hasScheme = value.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ||
                        value.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        if (!hasScheme)
        {
            if (!HostPort().IsMatch(value))
            {
                return false;
            }

            value = "http://" + value;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.AbsolutePath != "/" || uri.Query != "" || uri.UserInfo != "")
        {
            return false;
        }

        // Uri fills in 80/443 when no port was given; the admin API's default port is 9110.
        var explicitPort = PortSuffix().IsMatch(value[(value.IndexOf("//", StringComparison.Ordinal) + 2)..]);
        var builder = new UriBuilder(uri.Scheme, uri.Host, explicitPort ? uri.Port : DefaultPort);
        address = new AdminAddress(builder.Uri);
        return true;
    }

    /// <summary>
    /// Whether the first word of a command line is an address rather than a palette: it has a scheme,
    /// a port, a dot, or is an IP or "localhost". A bare word such as "clustr" is an unknown palette.
    /// </summary>
    public static bool LooksLikeAddress(string word) =>
        (word.Contains(':') || word.Contains('.') || word.Equals("localhost", StringComparison.OrdinalIgnoreCase) || IPAddress.TryParse(word, out _))
        && TryParse(word, out _);

    [GeneratedRegex(@"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)(:\d{1,5})?/?$")]
    private static partial Regex HostPort();

    [GeneratedRegex(@"^(\[[^\]]*\]|[^:/\[]*):\d+")]
    private static partial Regex PortSuffix();
}
