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

    /// <summary>
    /// The configured fixed ports (gateway, admin, Akka remoting) that another process already holds, each as one line naming
    /// the setting that chooses it. Checked before starting, so a busy port is a clear configuration error and not a
    /// host start-up failure logged with its stack trace; a port taken in the instant between this check and the bind still
    /// fails the start (see Program).
    /// </summary>
    public static IReadOnlyList<string> BusyPorts(NodeOptions settings)
    {
        var problems = new List<string>();
        foreach (var (key, urls) in new[] { ("Gateway:Urls", settings.Gateway.Urls), ("Admin:Urls", settings.Admin.Urls) })
            foreach (var url in Split(urls))
                if (TryParse(url, out var address, out var port) && port != 0 && !CanBind(address ?? IPAddress.Any, port))
                    problems.Add(BusyPort(key, url, port));
        var cluster = settings.Cluster;
        if (cluster.Port != 0 && IPAddress.TryParse(cluster.Hostname == "localhost" ? "127.0.0.1" : cluster.Hostname, out var akka) && !CanBind(akka, cluster.Port))
            problems.Add(BusyPort("Cluster:Port", $"{cluster.Hostname}:{cluster.Port}", cluster.Port));
        return problems;
    }

    public static string BusyPort(string key, string address, int port) =>
        $"{key}: cannot listen on {address}: port {port} is already in use by another process; stop that process or choose another port in {key}";

    private static bool CanBind(IPAddress address, int port)
    {
        try
        {
            using var socket = new System.Net.Sockets.Socket(address.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            // Only a listener makes a port busy: connections of a process that just stopped (TIME_WAIT) must not. On Linux
            // SO_REUSEADDR still refuses a port another socket listens on (on Windows it would not, so it stays off there).
            if (!OperatingSystem.IsWindows())
                socket.SetSocketOption(System.Net.Sockets.SocketOptionLevel.Socket, System.Net.Sockets.SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen();
            return true;
        }
        catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse)
        {
            return false;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return true; // not ours to judge here (e.g. an address this host lacks): the real bind reports it
        }
    }

    /// <summary>The setting that chose the url a failed bind names ("Failed to bind to address http://127.0.0.1:4000: ...").</summary>
    public static string? DescribeBindFailure(IOException e, NodeOptions settings)
    {
        if (e.InnerException is not Microsoft.AspNetCore.Connections.AddressInUseException) return null;
        var match = System.Text.RegularExpressions.Regex.Match(e.Message, @"address (\S+?):? address already in use", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        var url = match.Success ? match.Groups[1].Value : "a configured address";
        var port = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Port : 0;
        var key = Split(settings.Admin.Urls).Any(u => TryParse(u, out _, out var p) && p == port) ? "Admin:Urls" : "Gateway:Urls";
        return BusyPort(key, url, port);
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
