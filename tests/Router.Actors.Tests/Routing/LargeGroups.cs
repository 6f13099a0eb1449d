using Router.Actors.Directory;
using Router.Actors.Endpoints;
using Router.Actors.Leasing;
using Router.Actors.Routing;
using Router.Messages.Endpoints;

namespace Router.Actors.Tests.Routing;

/// <summary>Groups of many endpoints ("e0".."eN" in group "g") for the candidate-selection tests.</summary>
internal static class LargeGroups
{
    /// <summary>A holder id for the node the decisions are made on.</summary>
    public const string Self = "akka.tcp://llm-router@10.0.0.1:4053#1";

    /// <param name="shape">Changes endpoint i (its tags, price, drain) before the group is built.</param>
    public static GroupMembers Build(int size, Func<int, EndpointDefinition, EndpointDefinition>? shape = null)
    {
        var endpoints = Enumerable.Range(0, size).Select(i => new EndpointDefinition($"e{i}", "g", $"http://10.0.{i / 250}.{i % 250}:8000"))
            .Select((e, i) => shape?.Invoke(i, e) ?? e).ToList();
        var directory = new DirectorySnapshot([new ModelGroupDefinition("g")], endpoints);
        return GroupMembers.Build(directory, directory.Groups["g"], new SnapshotCache(), new LeaseBook(TimeProvider.System));
    }
}
