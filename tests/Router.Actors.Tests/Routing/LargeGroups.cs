using Microsoft.Extensions.Logging.Abstractions;
using Router.Actors.Directory;
using Router.Actors.Endpoints;
using Router.Actors.Leasing;
using Router.Actors.Routing;
using Router.Actors.Strategies;
using Router.Messages.Endpoints;

namespace Router.Actors.Tests.Routing;

/// <summary>Groups of many endpoints ("e0".."eN" in group "g") for the candidate-selection tests.</summary>
internal static class LargeGroups
{
    /// <summary>A holder id for the node the decisions are made on.</summary>
    public const string Self = "akka.tcp://llm-router@10.0.0.1:4053#1";

    /// <param name="shape">Changes endpoint i (its tags, price, drain) before the group is built.</param>
    /// <param name="snapshots">Where the group's endpoints find their state; a new, empty cache when null.</param>
    public static GroupMembers Build(int size, Func<int, EndpointDefinition, EndpointDefinition>? shape = null, SnapshotCache? snapshots = null)
    {
        var endpoints = Enumerable.Range(0, size).Select(i => new EndpointDefinition($"e{i}", "g", $"http://10.0.{i / 250}.{i % 250}:8000"))
            .Select((e, i) => shape?.Invoke(i, e) ?? e).ToList();
        var directory = new DirectorySnapshot([new ModelGroupDefinition("g")], endpoints);
        return GroupMembers.Build(directory, directory.Groups["g"], snapshots ?? new SnapshotCache(), new LeaseBook(TimeProvider.System));
    }

    /// <summary>
    /// One decision's pick as the router makes it (<see cref="CandidateSelector.SelectFor"/>, then the strategy's pick):
    /// among the strategy's shortlist when it makes one that will do (<paramref name="shortlisted"/>), else among the
    /// whole group.
    /// </summary>
    public static EndpointCandidate Decide(GroupMembers members, GroupStrategy strategy, RoutingContext context, out bool shortlisted,
        SilentEndpoints? silent = null)
    {
        var candidates = new List<EndpointCandidate>();
        CandidateSelector.SelectFor(members, strategy, context.Request, context.Now, candidates, Self, context.Random,
            new RoutingSettings { Strategy = context.Settings }, silent ?? new SilentEndpoints(), NullLogger.Instance, out shortlisted).Should().BeNull();
        return candidates[strategy.Pick(candidates, context with { Shortlisted = shortlisted }, NullLogger.Instance)];
    }
}
