using System.Diagnostics;
using System.Net;
using Router.Node.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Router.Node.Gateway;

/// <summary>The one connection pool to every upstream, set up as YARP recommends for forwarding.</summary>
internal sealed class UpstreamClient : IDisposable
{
    public UpstreamClient(RouterOptions router)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
            ConnectTimeout = TimeSpan.FromSeconds(router.ConnectTimeoutSeconds),
        };
        // HTTPS upstreams are checked against the system trust store, plus the node's CA bundle when one is named.
        if (!string.IsNullOrWhiteSpace(router.UpstreamCaBundle))
            handler.SslOptions.RemoteCertificateValidationCallback = UpstreamTrust.Callback(UpstreamTrust.LoadBundle(router.UpstreamCaBundle));
        Invoker = new HttpMessageInvoker(handler);
        // YARP's default idle timeout (100 s) would cut long generations. Ours is the request timeout, whose own timer
        // starts earlier and names the cause; YARP's is set a little later so it only backs ours up.
        RequestConfig = new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(router.RequestTimeoutSeconds + 5) };
    }

    public HttpMessageInvoker Invoker { get; }
    public ForwarderRequestConfig RequestConfig { get; }

    public void Dispose() => Invoker.Dispose();
}
