using Akka.Cluster;

namespace Router.Actors.Membership;

/// <summary>
/// Names a lease holder: a node's address and its incarnation's uid (address#uid). A restarted node is a new
/// holder, and seeing it proves the old process runs nothing any more.
/// </summary>
public static class HolderId
{
    public static string Of(UniqueAddress node) => $"{node.Address}#{node.Uid}";

    /// <summary>The node address of a holder id (address#uid); false for an id that names no node (a bare name in tests).</summary>
    public static bool TryAddressOf(string holder, out Akka.Actor.Address address)
    {
        var separator = holder.LastIndexOf('#');
        address = separator > 0 ? Akka.Actor.Address.Parse(holder[..separator]) : null!;
        return separator > 0;
    }
}
