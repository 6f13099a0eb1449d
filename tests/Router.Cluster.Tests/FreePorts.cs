using System.Net;
using System.Net.Sockets;

namespace Router.Cluster.Tests;

/// <summary>
/// Loopback ports that are free now (a node process needs to know its ports before it starts). Chosen below the
/// kernel's ephemeral range (32768+), so an outgoing connection cannot take one between this check and the bind.
/// </summary>
public static class FreePorts
{
    private static readonly HashSet<int> Given = [];

    public static int Next()
    {
        lock (Given)
        {
            while (true)
            {
                var port = Random.Shared.Next(20_000, 32_000);
                if (Given.Contains(port) || !IsFree(port)) continue;
                Given.Add(port);
                return port;
            }
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
