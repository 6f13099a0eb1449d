using Akka.Cluster;

namespace Router.Actors.Membership;

/// <summary>
/// Names a lease holder: a node's address and its incarnation's uid (address#uid). A restarted node is a new
/// holder, and seeing it proves the old process runs nothing any more.
/// </summary>
public static class HolderId
{
    public static string Of(UniqueAddress node) => $"{node.Address}#{node.Uid}";
}
