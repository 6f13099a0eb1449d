using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.Logging;
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
    private readonly ILogger _logger = ActorLoggers.For<QuorumMonitorActor>(Context);
    // What the log last said: whether the majority held, since when, and the latest round's tally.
    private bool _hadMajority;
    private bool _everConfirmed;
    private long _changedAt;
    private Round? _latest;

    private sealed class Round(long sentAt, int needed, int gateways)
    {
        public long SentAt { get; } = sentAt;
        public int Needed { get; } = needed;
        public int Gateways { get; } = gateways;
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
        NoteLoss(); // before this round can confirm: a lapse that a membership event cut short is still reported
        var sentAt = _clock.GetTimestamp();
        _state.RoundSent(sentAt);
        var gateways = _members.Values.Where(IsCounted).ToList();
        // A node that is not (yet, or any more) a counted gateway itself never confirms: it may not be an authority.
        if (!gateways.Any(m => m.Address == _cluster.SelfAddress)) return;
        var needed = Math.Max(1, gateways.Count / 2 + 1);
        var round = new Round(sentAt, needed, gateways.Count);
        var id = ++_round;
        _latest = round;
        PruneOldRounds();
        if (round.Answers >= needed)
        {
            _state.Confirm(sentAt);
            NoteConfirmed(round);
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
        NoteConfirmed(round);
        // Earlier rounds can only confirm an older moment.
        foreach (var older in _rounds.Keys.Where(k => k <= id).ToList()) _rounds.Remove(older);
    }

    /// <summary>The majority lapses silently (QuorumState is a clock); the tick notices and says so once.</summary>
    private void NoteLoss()
    {
        if (!_hadMajority || _state.HasMajority) return;
        _hadMajority = false;
        // _changedAt stays the last confirmed moment: the regained line counts the whole gap from there.
        MembershipLog.QuorumLost(_logger, _latest?.Gateways ?? 0, _clock.GetElapsedTime(_changedAt).TotalSeconds, _latest?.Answers ?? 0, _latest?.Needed ?? 0);
    }

    private void NoteConfirmed(Round round)
    {
        if (_hadMajority || !_state.HasMajority)
        {
            if (_hadMajority) _changedAt = _clock.GetTimestamp(); // the last moment the majority was confirmed
            return;
        }
        _hadMajority = true;
        if (_everConfirmed) MembershipLog.QuorumRegained(_logger, round.Answers, round.Gateways, _clock.GetElapsedTime(_changedAt).TotalSeconds);
        else MembershipLog.QuorumReached(_logger, round.Answers, round.Gateways);
        _everConfirmed = true;
        _changedAt = _clock.GetTimestamp();
    }

    private void PruneOldRounds()
    {
        if (_rounds.Count < 16) return;
        foreach (var old in _rounds.Keys.Order().Take(_rounds.Count - 8).ToList()) _rounds.Remove(old);
    }

    private bool IsCountedGateway(Address address) =>
        _members.TryGetValue(address, out var member) && IsCounted(member);

    private static bool IsCounted(Member member) =>
        member.HasRole(RouterClusterSettings.GatewayRole) &&
        member.Status is MemberStatus.Up or MemberStatus.Leaving or MemberStatus.Exiting or MemberStatus.WeaklyUp;
}
