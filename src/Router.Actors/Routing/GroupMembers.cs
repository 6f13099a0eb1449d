using Router.Actors.Directory;
using Router.Actors.Endpoints;
using Router.Messages.Endpoints;

namespace Router.Actors.Routing;

/// <summary>
/// A group's endpoints with their snapshot slots, built once per directory version (not per decision).
/// </summary>
internal sealed class GroupMembers
{
    private GroupMembers(DirectorySnapshot directory, ModelGroupDefinition group, EndpointDefinition[] endpoints, EndpointSlot[] slots)
    {
        Directory = directory;
        Group = group;
        Endpoints = endpoints;
        Slots = slots;
        NeedsTiering = endpoints.Any(e => e.MaxInFlight is not null || e.Rpm is not null) || endpoints.Select(e => e.Order).Distinct().Count() > 1;
    }

    /// <summary>False when no endpoint has caps and all share one tier: the router can skip that pass.</summary>
    public bool NeedsTiering { get; }

    public DirectorySnapshot Directory { get; }
    public ModelGroupDefinition Group { get; }
    public EndpointDefinition[] Endpoints { get; }
    public EndpointSlot[] Slots { get; }

    public static GroupMembers Build(DirectorySnapshot directory, ModelGroupDefinition group, SnapshotCache snapshots)
    {
        var endpoints = directory.EndpointsOf(group.Name).ToArray();
        return new GroupMembers(directory, group, endpoints, endpoints.Select(e => snapshots.Slot(e.Id)).ToArray());
    }
}
