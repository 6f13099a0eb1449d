using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;
using Router.AdminApi;

namespace Router.Node.Admin;

/// <summary>Subscribes to cluster membership (current members first) and writes each event to a channel for the admin stream.</summary>
internal sealed class MemberEventListener : ReceiveActor
{
    private readonly ChannelWriter<MemberEventView> _events;

    public MemberEventListener(ChannelWriter<MemberEventView> events)
    {
        _events = events;
        Receive<ClusterEvent.IMemberEvent>(e => Write(e.GetType().Name, e.Member.Address, e.Member.Status.ToString()));
        Receive<ClusterEvent.UnreachableMember>(e => Write("Unreachable", e.Member.Address, e.Member.Status.ToString()));
        Receive<ClusterEvent.ReachableMember>(e => Write("Reachable", e.Member.Address, e.Member.Status.ToString()));
        Receive<ClusterEvent.LeaderChanged>(e => Write("LeaderChanged", e.Leader, "Leader"));
    }

    protected override void PreStart() =>
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.LeaderChanged));

    protected override void PostStop()
    {
        Cluster.Get(Context.System).Unsubscribe(Self);
        _events.TryComplete();
    }

    private void Write(string name, Address? address, string status) =>
        _events.TryWrite(new MemberEventView(DateTimeOffset.UtcNow, name, address?.ToString() ?? "(none)", status));
}
