using System.Net;
using System.Net.Sockets;

namespace Router.Cluster.Tests;

/// <summary>Loopback ports the OS reports free (a node process needs to know its ports before it starts).</summary>
public static class FreePorts
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
