using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.SBR;
using Akka.Hosting;
using Router.Actors.Hosting;
using Router.AdminApi;

namespace Router.Node.Admin;

/// <summary>
/// What this node saw of the current incident: since when each member is unreachable, when membership or reachability
/// last changed (the split-brain resolver's stable-after countdown restarts then) and when the current run of changes
/// began. Written by <see cref="ClusterIncidentWatcher"/>, read by <c>cluster show</c>.
/// </summary>
public sealed class ClusterIncidentLog
{
    private ImmutableDictionary<Address, DateTimeOffset> _unreachableSince = ImmutableDictionary<Address, DateTimeOffset>.Empty;
    private readonly Lock _lock = new();
    private DateTimeOffset? _lastChange;
    private DateTimeOffset? _unstableSince;

    public IReadOnlyDictionary<Address, DateTimeOffset> UnreachableSince => Volatile.Read(ref _unreachableSince);
    public DateTimeOffset? LastChange { get { lock (_lock) return _lastChange; } }
    public DateTimeOffset? UnstableSince { get { lock (_lock) return _unstableSince; } }

    internal void Unreachable(Address address, DateTimeOffset at)
    {
        ImmutableInterlocked.TryAdd(ref _unreachableSince, address, at);
        Changed(at);
    }

    internal void Reachable(Address address, DateTimeOffset at)
    {
        ImmutableInterlocked.TryRemove(ref _unreachableSince, address, out _);
        Changed(at);
    }

    internal void Removed(Address address, DateTimeOffset at) => Reachable(address, at);

    internal void Changed(DateTimeOffset at)
    {
        lock (_lock)
        {
            _lastChange = at;
            _unstableSince ??= at;
            if (Volatile.Read(ref _unreachableSince).IsEmpty) _unstableSince = null; // healed or decided: the run is over
        }
    }
}

/// <summary>One per node: feeds <see cref="ClusterIncidentLog"/> from the cluster's membership and reachability events.</summary>
internal sealed class ClusterIncidentWatcher : ReceiveActor
{
    private readonly Cluster _cluster = Cluster.Get(Context.System);

    public ClusterIncidentWatcher(ClusterIncidentLog log, TimeProvider clock)
    {
        Receive<ClusterEvent.CurrentClusterState>(state =>
        {
            foreach (var member in state.Unreachable) log.Unreachable(member.Address, clock.GetUtcNow());
        });
        Receive<ClusterEvent.UnreachableMember>(e => log.Unreachable(e.Member.Address, clock.GetUtcNow()));
        Receive<ClusterEvent.ReachableMember>(e => log.Reachable(e.Member.Address, clock.GetUtcNow()));
        Receive<ClusterEvent.MemberRemoved>(e => log.Removed(e.Member.Address, clock.GetUtcNow()));
        // The resolver restarts its countdown when a member comes up or is removed, as well as on reachability changes.
        Receive<ClusterEvent.IMemberEvent>(e =>
        {
            if (e is ClusterEvent.MemberUp or ClusterEvent.MemberWeaklyUp) log.Changed(clock.GetUtcNow());
        });
    }

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    protected override void PostStop() => _cluster.Unsubscribe(Self);
}

/// <summary>Builds the incident part of <c>cluster show</c>: unreachable members and the split-brain resolver's state.</summary>
internal static class ClusterIncident
{
    public static AkkaConfigurationBuilder AddClusterIncidentWatch(this AkkaConfigurationBuilder akka, IServiceProvider services) =>
        akka.WithActors((system, _) => system.ActorOf(
            Props.Create(() => new ClusterIncidentWatcher(services.GetRequiredService<ClusterIncidentLog>(), TimeProvider.System)),
            "cluster-incident"));

    public static (IReadOnlyList<UnreachableMemberView> Unreachable, ResolverView Resolver) Describe(
        Cluster cluster, ClusterIncidentLog log, DateTimeOffset now)
    {
        var state = cluster.State;
        var observers = ObserversByUnreachable(cluster);
        var since = log.UnreachableSince;
        var unreachable = state.Unreachable
            .OrderBy(m => m.Address.ToString(), StringComparer.Ordinal)
            .Select(m => new UnreachableMemberView(m.Address.ToString(), m.Status.ToString(), m.Roles.Order(StringComparer.Ordinal).ToList(),
                observers is null ? null : observers.TryGetValue(m.Address, out var by) ? by : [],
                since.TryGetValue(m.Address, out var at) ? at : null))
            .ToList();
        return (unreachable, Resolver(cluster, state, log, now));
    }

    private static ResolverView Resolver(Cluster cluster, ClusterEvent.CurrentClusterState state, ClusterIncidentLog log, DateTimeOffset now)
    {
        var settings = new SplitBrainResolverSettings(cluster.System.Settings.Config);
        var role = string.IsNullOrEmpty(settings.KeepMajorityRole) ? null : settings.KeepMajorityRole;
        var stableAfter = settings.DowningStableAfter;
        double? downAll = settings.DownAllWhenUnstable > TimeSpan.Zero ? settings.DownAllWhenUnstable.TotalSeconds : null;
        var downing = state.Members.Where(m => m.Status == MemberStatus.Down).Select(m => m.Address.ToString()).Order(StringComparer.Ordinal).ToList();
        if (state.Unreachable.IsEmpty)
            return new ResolverView(settings.DowningStrategy, role, stableAfter.TotalSeconds, downAll, "stable", null, null, null, null, [], downing);

        var decideAt = (log.LastChange ?? now) + stableAfter;
        var remaining = Math.Max(0, (decideAt - now).TotalSeconds);
        var (decision, willDown) = settings.DowningStrategy == "keep-majority"
            ? KeepMajority(state, role, cluster.SelfAddress)
            : ($"{settings.DowningStrategy}: this node does not predict its decision", (IReadOnlyList<string>)[]);
        return new ResolverView(settings.DowningStrategy, role, stableAfter.TotalSeconds, downAll, remaining > 0 ? "waiting" : "due",
            Math.Round(remaining, 1), log.UnstableSince, decision, state.Leader?.ToString(), willDown, downing);
    }

    /// <summary>
    /// Akka's keep-majority, from this node's view: only members with <paramref name="role"/> count (Up or Leaving; joining,
    /// exiting and downed members do not). The side with more of them survives and downs the other side, whatever its roles;
    /// on a tie the side holding the counted member with the lowest address survives.
    /// </summary>
    internal static (string Decision, IReadOnlyList<string> WillDown) KeepMajority(ClusterEvent.CurrentClusterState state, string? role, Address self)
    {
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var counted = state.Members
            .Where(m => (role is null || m.HasRole(role)) && m.Status is MemberStatus.Up or MemberStatus.Leaving)
            .ToList();
        var reachable = counted.Count(m => !unreachable.Contains(m.Address));
        var cut = counted.Count - reachable;
        var who = role is null ? "members" : $"{role} members";
        var lowest = counted.OrderBy(m => m.Address, Member.AddressOrdering).FirstOrDefault();
        var keepThisSide = reachable > cut || (reachable == cut && lowest is not null && !unreachable.Contains(lowest.Address));
        var live = state.Members.Where(m => m.Status != MemberStatus.Removed);
        if (keepThisSide)
        {
            var down = live.Where(m => unreachable.Contains(m.Address)).Select(m => m.Address.ToString()).Order(StringComparer.Ordinal).ToList();
            var why = reachable > cut ? $"{reachable} of {counted.Count} {who} are on this side" : $"a tie ({reachable} each) and this side holds the lowest address";
            return ($"this side survives ({why}): its leader downs the unreachable members", down);
        }
        var selfDown = live.Where(m => !unreachable.Contains(m.Address)).Select(m => m.Address.ToString()).Order(StringComparer.Ordinal).ToList();
        var whyNot = reachable < cut ? $"only {reachable} of {counted.Count} {who} are on this side" : "a tie and the other side holds the lowest address";
        return ($"this side is downed ({whyNot}): its leader downs every member here, this node ({self}) included", selfDown);
    }

    /// <summary>
    /// Which members observed each unreachable member. Akka keeps this in its gossip's reachability table but does not make
    /// it public; it is read by reflection and is null (shown as unknown) if a future Akka version moves it.
    /// </summary>
    internal static Dictionary<Address, IReadOnlyList<string>>? ObserversByUnreachable(Cluster cluster)
    {
        try
        {
            const BindingFlags any = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
            var readView = typeof(Cluster).GetProperty("ReadView", any)?.GetValue(cluster);
            var reachability = readView?.GetType().GetProperty("Reachability", any)?.GetValue(readView);
            if (reachability?.GetType().GetProperty("ObserversGroupedByUnreachable", any)?.GetValue(reachability) is not IDictionary grouped) return null;
            var result = new Dictionary<Address, IReadOnlyList<string>>();
            foreach (DictionaryEntry entry in grouped)
            {
                if (entry.Key is not UniqueAddress subject || entry.Value is not IEnumerable observers) continue;
                result[subject.Address] = observers.OfType<UniqueAddress>().Select(o => o.Address.ToString()).Order(StringComparer.Ordinal).ToList();
            }
            return result;
        }
        catch (Exception e) when (e is TargetInvocationException or InvalidCastException or MemberAccessException)
        {
            return null;
        }
    }
}
