using System.Net;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Router.Node.Configuration;

/// <summary>
/// The gateway and admin listeners of one Kestrel server. Admin connections are marked when accepted,
/// so /admin is only served on the admin port and the OpenAI API only on the gateway port.
/// </summary>
public sealed class Listeners
{
    private const string AdminMark = "llm-router-admin";
    private readonly List<ListenOptions> _gateway = [];
    private readonly List<ListenOptions> _admin = [];

    /// <summary>Bound gateway addresses (actual ports once started).</summary>
    public IReadOnlyList<string> GatewayUrls => _gateway.Select(UrlOf).ToList();

    /// <summary>Bound admin addresses (actual ports once started).</summary>
    public IReadOnlyList<string> AdminUrls => _admin.Select(UrlOf).ToList();

    public void Configure(KestrelServerOptions kestrel, string gatewayUrls, string? adminUrls)
    {
        foreach (var url in Split(gatewayUrls)) _gateway.Add(Listen(kestrel, url, admin: false));
        foreach (var url in Split(adminUrls)) _admin.Add(Listen(kestrel, url, admin: true));
    }

    public static bool IsAdminConnection(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.ContainsKey(AdminMark) == true;

    /// <summary>Checks a url list; returns problems for <paramref name="key"/>.</summary>
    public static IEnumerable<string> Validate(string key, string? urls)
    {
        foreach (var url in Split(urls))
            if (!TryParse(url, out _, out _))
                yield return $"{key}: '{url}' must be http://host:port with host an IP address, localhost, * or 0.0.0.0";
    }

    private static ListenOptions Listen(KestrelServerOptions kestrel, string url, bool admin)
    {
        TryParse(url, out var address, out var port);
        ListenOptions? bound = null;
        void Mark(ListenOptions options)
        {
            bound = options;
            if (admin) options.Use(next => connection =>
            {
                connection.Items[AdminMark] = true;
                return next(connection);
            });
        }
        if (address is null) kestrel.ListenAnyIP(port, Mark);
        else kestrel.Listen(address, port, Mark);
        return bound!;
    }

    private static bool TryParse(string url, out IPAddress? address, out int port)
    {
        address = null;
        port = 0;
        if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0").Replace("://+", "://0.0.0.0"), UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
            return false;
        port = uri.Port;
        if (uri.Host == "localhost") address = IPAddress.Loopback;
        else if (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip)) address = ip.Equals(IPAddress.Any) ? null : ip;
        else return false;
        return true;
    }

    private static IEnumerable<string> Split(string? urls) =>
        (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string UrlOf(ListenOptions options) => $"http://{options.IPEndPoint}";
}
