using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Router.Actors.Directory;
using Router.Actors.Strategies;
using Router.Messages.Endpoints;

namespace Router.Actors.Routing;

/// <summary>
/// One strategy instance per model group on this node, shared by every router of the pool: the sequence a user
/// configured (weights 3:1 give a, a, b, a, a, a, b, a) is the sequence the group sees, however many routees the
/// pool has. Each group's picks are serialised by its own lock, so groups never wait on each other. An instance lives
/// while its group is in the directory with that strategy: <see cref="Retain"/> drops the others on every change.
/// </summary>
internal sealed class GroupStrategies
{
    // Lock-free to read: every release of a lease asks whether its group ranks on the exact count (RouterClient).
    private readonly ConcurrentDictionary<(string Group, string Strategy), Lazy<GroupStrategy>> _byGroup = new();

    public GroupStrategy For(ModelGroupDefinition group, StrategyRegistry registry) =>
        // Static factory with an argument: a lookup allocates nothing; the Lazy makes one instance even when two threads add at once.
        _byGroup.GetOrAdd((group.Name, group.Strategy), static (key, registry) => new Lazy<GroupStrategy>(() => new GroupStrategy(
            registry.Contains(key.Strategy)
                ? registry.Create(key.Strategy)
                : new RoundRobinStrategy())), registry).Value; // validated on write; a strategy removed since falls back safely

    /// <summary>
    /// Drops the instances of groups no longer in <paramref name="directory"/>, and of strategies a group no longer
    /// uses, so a removed group's state (and a custom strategy's) does not outlive it. Called by the directory follower
    /// after each change it publishes; a router still finishing a decision on a dropped instance is unaffected.
    /// </summary>
    public void Retain(DirectorySnapshot directory)
    {
        foreach (var key in _byGroup.Keys)
            if (!directory.Groups.TryGetValue(key.Group, out var group) || !string.Equals(group.Strategy, key.Strategy, StringComparison.Ordinal))
                _byGroup.TryRemove(key, out _);
    }

    /// <summary>How many group instances this node holds (for tests).</summary>
    internal int Count => _byGroup.Count;
}

/// <summary>
/// A group's strategy behind a lock, isolated: a strategy that throws or answers an index outside the candidates (a
/// custom one, say) makes that decision fall back to round-robin with a warning; nothing else is affected.
/// </summary>
internal sealed class GroupStrategy(IRoutingStrategy strategy)
{
    private readonly RoundRobinStrategy _fallback = new();

    public string Name => strategy.Name;

    public bool PrefersLeastInFlight { get; } = strategy.PrefersLeastInFlight;

    public bool RanksASample { get; } = strategy.RanksASample;

    public Func<EndpointDefinition, double>? RankOf { get; } = strategy.RankOf;

    /// <summary>The strategy implements <see cref="IRoutingStrategy.Shortlist"/> (rather than inheriting the default that
    /// asks for the whole group): only then does a decision in a large group ask it for one.</summary>
    public bool Shortlists { get; } = strategy.GetType().GetInterfaceMap(typeof(IRoutingStrategy)) is var map &&
        map.TargetMethods[Array.IndexOf(map.InterfaceMethods, typeof(IRoutingStrategy).GetMethod(nameof(IRoutingStrategy.Shortlist)))]
            .DeclaringType != typeof(IRoutingStrategy);

    /// <summary>
    /// The strategy's shortlist for a large group (<see cref="IRoutingStrategy.Shortlist"/>), under its lock: how many
    /// positions it wrote, or -1 for the whole group, which is also the answer when it throws or answers a count outside
    /// <paramref name="shortlist"/> (a custom strategy's bug, logged once per decision it spoiled).
    /// </summary>
    public int Shortlist(GroupView group, RoutingContext context, Span<int> shortlist, ILogger log)
    {
        lock (this)
        {
            try
            {
                var count = strategy.Shortlist(group, context, shortlist);
                if (count <= shortlist.Length) return count;
                RoutingLog.ShortlistFailed(log, strategy.Name, context.Request.ModelGroup, $"it wrote {count} positions, more than {shortlist.Length}");
            }
            catch (Exception e)
            {
                RoutingLog.ShortlistFailed(log, strategy.Name, context.Request.ModelGroup, $"{e.GetType().Name}: {e.Message}");
            }
            return -1;
        }
    }

    /// <summary>Returns the index of the picked candidate.</summary>
    public int Pick(List<EndpointCandidate> candidates, RoutingContext context, ILogger log)
    {
        lock (this)
        {
            try
            {
                var index = strategy.Pick(candidates, context);
                if ((uint)index < (uint)candidates.Count) return index;
                RoutingLog.StrategyPickedOutside(log, strategy.Name, index, candidates.Count, context.Request.ModelGroup);
            }
            catch (Exception e)
            {
                // A custom strategy's bug: one line, no stack trace per decision.
                RoutingLog.StrategyFailed(log, strategy.Name, context.Request.ModelGroup, e.GetType().Name, e.Message);
            }
            return _fallback.Pick(candidates, context);
        }
    }
}
