using Router.Actors.Directory;
using Router.Actors.Endpoints;
using Router.Actors.Leasing;
using Router.Messages.Endpoints;

namespace Router.Actors.Routing;

/// <summary>
/// A group's endpoints with their snapshot slots and this node's count of requests on each, built once per directory
/// version (not per decision).
/// </summary>
internal sealed class GroupMembers
{
    private GroupMembers(DirectorySnapshot directory, ModelGroupDefinition group, EndpointDefinition[] endpoints, EndpointSlot[] slots,
        HeldCount[] heldHere)
    {
        Directory = directory;
        Group = group;
        Endpoints = endpoints;
        Slots = slots;
        HeldHere = heldHere;
        NeedsTiering = endpoints.Any(e => e.MaxInFlight is not null || e.Rpm is not null) || endpoints.Select(e => e.Order).Distinct().Count() > 1;
    }

    /// <summary>False when no endpoint has caps and all share one tier: the router can skip that pass.</summary>
    public bool NeedsTiering { get; }

    public DirectorySnapshot Directory { get; }
    public ModelGroupDefinition Group { get; }
    public EndpointDefinition[] Endpoints { get; }
    public EndpointSlot[] Slots { get; }

    /// <summary>Per endpoint, the requests this node's callers run on it (<see cref="LeaseBook.InUseOn"/>).</summary>
    public HeldCount[] HeldHere { get; }

    private RankOrder? _rankOrder;

    /// <summary>The endpoints in the order of <paramref name="rankOf"/>, built on first use (one strategy per group).</summary>
    public RankOrder RankOrder(Func<EndpointDefinition, double> rankOf)
    {
        if (_rankOrder is null || !ReferenceEquals(_rankOrder.RankOf, rankOf)) _rankOrder = new RankOrder(Endpoints, rankOf);
        return _rankOrder;
    }

    public static GroupMembers Build(DirectorySnapshot directory, ModelGroupDefinition group, SnapshotCache snapshots, LeaseBook leases)
    {
        var endpoints = directory.EndpointsOf(group.Name).ToArray();
        return new GroupMembers(directory, group, endpoints, endpoints.Select(e => snapshots.Slot(e.Id)).ToArray(),
            endpoints.Select(e => leases.InUseOn(e.Id)).ToArray());
    }
}
