using System.Net;
using System.Net.Sockets;

namespace Router.Testing;

/// <summary>
/// Loopback ports that are free now, for a node that must know its port before it starts (a seed node's Akka port, a
/// child process's listeners). Chosen below the kernel's ephemeral range (32768+), so an outgoing connection cannot take
/// one between this check and the bind, and never the same one twice in a test run.
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
