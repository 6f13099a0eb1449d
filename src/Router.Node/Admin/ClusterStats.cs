using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Router.Actors.Hosting;
using Router.Messages.Admin;
using Router.AdminApi;
using Router.Node.Gateway;

namespace Router.Node.Admin;

/// <summary>
/// Answers <see cref="GetNodeStats"/> with this node's <see cref="GatewayStats"/>, so that any node's admin API can
/// sum the whole cluster. One per gateway node, at the well-known path /user/node-stats.
/// </summary>
internal sealed class NodeStatsActor : ReceiveActor
{
    public const string Name = "node-stats";

    public NodeStatsActor(GatewayStats stats) =>
        Receive<GetNodeStats>(_ => Sender.Tell(new NodeStatsReply(ClusterStats.Sample(stats))));
}

/// <summary>The cluster-wide request counters: every gateway node asked at once, each with the same deadline.</summary>
internal static class ClusterStats
{
    /// <summary>Starts this node's <see cref="NodeStatsActor"/> with the actor system.</summary>
    public static AkkaConfigurationBuilder AddNodeStats(this AkkaConfigurationBuilder akka, IServiceProvider services) =>
        akka.WithActors((system, _) => system.ActorOf(
            Props.Create(() => new NodeStatsActor(services.GetRequiredService<GatewayStats>())), NodeStatsActor.Name));

    public static IReadOnlyList<GroupCounterSample> Sample(GatewayStats stats) =>
        stats.Groups.OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new GroupCounterSample(g.Key, g.Value.Requests, g.Value.Errors, g.Value.Retries, g.Value.Fallbacks))
            .ToList();

    /// <summary>
    /// Asks every gateway member that may be serving (Up, WeaklyUp, Leaving, Exiting) for its counters; this node answers
    /// for itself without a round trip. A member that does not answer within <paramref name="deadline"/> (frozen, an older
    /// version without the stats actor), or that this node sees unreachable (not asked), is named in
    /// <see cref="ClusterStatsView.NotAnswered"/>.
    /// </summary>
    public static async Task<ClusterStatsView> CollectAsync(ActorSystem system, GatewayStats stats, TimeSpan deadline)
    {
        var cluster = Cluster.Get(system);
        var self = cluster.SelfAddress;
        var state = cluster.State;
        // An unreachable member's answer could not arrive: it is named at once instead of waited for.
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var others = state.Members
            .Where(m => m.HasRole(RouterClusterSettings.GatewayRole) && m.Address != self
                        && m.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Leaving or MemberStatus.Exiting)
            .Select(m => m.Address)
            .ToList();
        var asks = others.Select(async address =>
        {
            if (unreachable.Contains(address)) return (Address: address.ToString(), Reply: (NodeStatsReply?)null);
            try
            {
                var selection = system.ActorSelection(new RootActorPath(address) / "user" / NodeStatsActor.Name);
                return (Address: address.ToString(), Reply: await selection.Ask<NodeStatsReply>(GetNodeStats.Instance, deadline));
            }
            catch (AskTimeoutException)
            {
                return (Address: address.ToString(), Reply: (NodeStatsReply?)null);
            }
        }).ToList();
        var answers = await Task.WhenAll(asks);

        var nodes = answers.Where(a => a.Reply is not null).Select(a => ToView(a.Address, a.Reply!.Groups))
            .Append(ToView(self.ToString(), Sample(stats)))
            .OrderBy(n => n.Address, StringComparer.Ordinal)
            .ToList();
        var sums = nodes.SelectMany(n => n.Groups)
            .GroupBy(g => g.Group, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new GroupStatsView(g.Key, g.Sum(s => s.Requests), g.Sum(s => s.Errors), g.Sum(s => s.Retries), g.Sum(s => s.Fallbacks)))
            .ToList();
        var notAnswered = answers.Where(a => a.Reply is null).Select(a => a.Address).Order(StringComparer.Ordinal).ToList();
        return new ClusterStatsView(sums, nodes, notAnswered);
    }

    private static NodeStatsView ToView(string address, IReadOnlyList<GroupCounterSample> groups) =>
        new(address, groups.Select(g => new GroupStatsView(g.Group, g.Requests, g.Errors, g.Retries, g.Fallbacks)).ToList());
}
