using Akka.Actor;
using Akka.Cluster;
using Router.Actors.Hosting;
using Router.Messages.Endpoints;

namespace Router.Actors.Membership;

/// <summary>
/// One per gateway. Every interval it pings the other gateways' monitors and, once a majority of the gateways it
/// knows (itself included) answered a round, confirms <see cref="QuorumState"/> as of the moment that round was sent.
/// Membership alone cannot tell: a frozen node resumes believing everyone is reachable, and its old view counts
/// members that have since removed it; only fresh answers can.
/// </summary>
internal sealed class QuorumMonitorActor : ReceiveActor, IWithTimers
{
    private const string PingTimer = "ping";
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly QuorumState _state;
    private readonly TimeProvider _clock;
    private readonly Dictionary<long, Round> _rounds = new();
    // Membership as the events told it: the cluster's read view can lag behind the events this actor receives.
    private readonly Dictionary<Address, Member> _members = new();
    private long _round;

    private sealed class Round(long sentAt, int needed)
    {
        public long SentAt { get; } = sentAt;
        public int Needed { get; } = needed;
        public int Answers { get; set; } = 1; // this node
    }

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    public QuorumMonitorActor(RouterRuntime runtime)
    {
        _state = runtime.Quorum;
        _clock = runtime.Clock;
        var interval = runtime.Options.Endpoint.QuorumInterval;
        Receive<Tick>(_ => StartRound());
        // Membership changed (this node came up, a member left or became unreachable): ask at once, not at the next tick.
        Receive<ClusterEvent.IMemberEvent>(change =>
        {
            if (change is ClusterEvent.MemberRemoved) _members.Remove(change.Member.Address);
            else _members[change.Member.Address] = change.Member;
            StartRound();
        });
        Receive<ClusterEvent.IReachabilityEvent>(_ => StartRound());
        Receive<ClusterEvent.CurrentClusterState>(state =>
        {
            _members.Clear();
            foreach (var member in state.Members) _members[member.Address] = member;
            StartRound();
        });
        Receive<QuorumPing>(ping =>
        {
            // Answer only members this node still counts: a removed (downed) node must not regain a quorum.
            if (IsCountedGateway(Sender.Path.Address)) Sender.Tell(new QuorumPong(ping.Round));
        });
        Receive<QuorumPong>(pong =>
        {
            if (!_rounds.TryGetValue(pong.Round, out var round)) return;
            if (++round.Answers >= round.Needed) Confirm(pong.Round, round);
        });
        _interval = interval;
    }

    private readonly TimeSpan _interval;

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Timers.StartPeriodicTimer(PingTimer, Tick.Instance, _interval);
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void StartRound()
    {
        var sentAt = _clock.GetTimestamp();
        var gateways = _members.Values.Where(IsCounted).ToList();
        // A node that is not (yet, or any more) a counted gateway itself never confirms: it may not be an authority.
        if (!gateways.Any(m => m.Address == _cluster.SelfAddress)) return;
        var needed = Math.Max(1, gateways.Count / 2 + 1);
        var round = new Round(sentAt, needed);
        var id = ++_round;
        PruneOldRounds();
        if (round.Answers >= needed)
        {
            _state.Confirm(sentAt);
            return;
        }
        _rounds[id] = round;
        foreach (var member in gateways)
        {
            if (member.Address == _cluster.SelfAddress) continue;
            Context.ActorSelection(new RootActorPath(member.Address) / "user" / RouterHostingExtensions.QuorumMonitorName)
                .Tell(new QuorumPing(id));
        }
    }

    private void Confirm(long id, Round round)
    {
        _state.Confirm(round.SentAt);
        // Earlier rounds can only confirm an older moment.
        foreach (var older in _rounds.Keys.Where(k => k <= id).ToList()) _rounds.Remove(older);
    }

    private void PruneOldRounds()
    {
        if (_rounds.Count < 16) return;
        foreach (var old in _rounds.Keys.Order().Take(_rounds.Count - 8).ToList()) _rounds.Remove(old);
    }

    private bool IsCountedGateway(Address address) =>
        _members.TryGetValue(address, out var member) && IsCounted(member);

    private static bool IsCounted(Member member) =>
        member.HasRole(RouterClusterOptions.GatewayRole) &&
        member.Status is MemberStatus.Up or MemberStatus.Leaving or MemberStatus.Exiting or MemberStatus.WeaklyUp;
}
