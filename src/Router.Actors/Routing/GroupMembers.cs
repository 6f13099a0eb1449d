using System.Runtime.InteropServices;
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
        OneTier = endpoints.Select(e => e.Order).Distinct().Count() <= 1;
        NeedsTiering = !OneTier || endpoints.Any(e => e.MaxInFlight is not null || e.Rpm is not null);
    }

    /// <summary>False when no endpoint has caps and all share one tier: the router can skip that pass.</summary>
    public bool NeedsTiering { get; }

    /// <summary>Every endpoint has the same order: the group has no fallback tier that only a look at all of it could rule out.</summary>
    public bool OneTier { get; }

    public DirectorySnapshot Directory { get; }
    public ModelGroupDefinition Group { get; }
    public EndpointDefinition[] Endpoints { get; }
    public EndpointSlot[] Slots { get; }

    /// <summary>Per endpoint, the requests this node's callers run on it (<see cref="LeaseBook.InUseOn"/>).</summary>
    public HeldCount[] HeldHere { get; }

    private RankOrder? _rankOrder;
    private Func<EndpointDefinition, double>? _failedRank;

    /// <summary>
    /// The endpoints in the order of <paramref name="rankOf"/>, built on first use (one strategy per group); null when
    /// <paramref name="rankOf"/> threw (a custom strategy's bug), with the exception the first time only.
    /// </summary>
    public RankOrder? RankOrder(Func<EndpointDefinition, double> rankOf, out Exception? failure)
    {
        failure = null;
        if (_rankOrder is not null && ReferenceEquals(_rankOrder.RankOf, rankOf)) return _rankOrder;
        if (ReferenceEquals(_failedRank, rankOf)) return null;
        try
        {
            return _rankOrder = new RankOrder(Endpoints, rankOf);
        }
        catch (Exception e)
        {
            (_failedRank, failure) = (rankOf, e);
            return null;
        }
    }

    public static GroupMembers Build(DirectorySnapshot directory, ModelGroupDefinition group, SnapshotCache snapshots, LeaseBook leases)
    {
        // The directory's own array, not a copy: every router of the node then hands strategies the same instance for the
        // same directory (GroupView.Endpoints), and a strategy's structures built per instance are built once.
        var endpoints = ImmutableCollectionsMarshal.AsArray(directory.EndpointsOf(group.Name)) ?? [];
        return new GroupMembers(directory, group, endpoints, endpoints.Select(e => snapshots.Slot(e.Id)).ToArray(),
            endpoints.Select(e => leases.InUseOn(e.Id)).ToArray());
    }
}
