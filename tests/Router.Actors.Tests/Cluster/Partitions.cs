using Akka.Remote;
using Akka.Remote.Transport;

namespace Router.Actors.Tests.Cluster;

/// <summary>
/// Network partitions between actor systems of this process, through Akka's throttler transport adapter (what Akka's
/// own multi-node TestConductor uses): a blackholed pair drops every message between them, heartbeats included, so
/// each side's failure detector marks the other unreachable, exactly as a cut network would; healing lets them through
/// again. Nodes must be started with <see cref="Hocon"/> (their addresses then read akka.trttl.tcp://...).
/// </summary>
public static class Partitions
{
    public const string Hocon = "akka.remote.dot-netty.tcp.applied-adapters = [trttl]";

    /// <summary>Cuts every node of <paramref name="side"/> off from every node of <paramref name="other"/>, both ways.</summary>
    public static Task CutAsync(IEnumerable<TestNode> side, IEnumerable<TestNode> other) => SetAsync(side, other, Blackhole.Instance);

    public static Task HealAsync(IEnumerable<TestNode> side, IEnumerable<TestNode> other) => SetAsync(side, other, Unthrottled.Instance);

    private static async Task SetAsync(IEnumerable<TestNode> side, IEnumerable<TestNode> other, ThrottleMode mode)
    {
        var others = other.ToList();
        foreach (var a in side)
        foreach (var b in others)
        {
            (await Throttle(a, b, mode)).Should().BeTrue($"the throttler of {a.Address} took the command for {b.Address}");
            (await Throttle(b, a, mode)).Should().BeTrue($"the throttler of {b.Address} took the command for {a.Address}");
        }
    }

    private static Task<bool> Throttle(TestNode from, TestNode to, ThrottleMode mode) =>
        ((IRemoteActorRefProvider)((Akka.Actor.ExtendedActorSystem)from.System).Provider).Transport.ManagementCommand(new SetThrottle(to.Address, ThrottleTransportAdapter.Direction.Both, mode));
}
