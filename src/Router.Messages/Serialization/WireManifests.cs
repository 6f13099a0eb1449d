using System.Collections.Frozen;
using Router.Messages.Admin;
using Router.Messages.Endpoints;
using Router.Messages.Registry;
using Router.Messages.Routing;

namespace Router.Messages.Serialization;

/// <summary>
/// The manifest of every <see cref="IRouterMessage"/>: the string that names its type on the wire and in the registry's
/// journal (EndpointSaved, EndpointDeleted, GroupSaved are persisted with it). Written here, not derived from the CLR
/// name, so renaming or moving a record changes nothing on the wire. Never change an entry: a node of the previous
/// version, or a journal written by one, could no longer be read. A new message gets a new entry (the serializer refuses
/// to start without one); a removed message's manifest goes to <see cref="Retired"/> and is never reused.
/// tests/Router.Messages.Tests pins this table.
/// </summary>
internal static class WireManifests
{
    public static readonly FrozenDictionary<Type, string> ByType = new Dictionary<Type, string>
    {
        // Routing (caller <-> router pool)
        [typeof(RouteRequest)] = "RouteRequest",
        [typeof(Lease)] = "Lease",
        [typeof(LeaseGranted)] = "LeaseGranted",
        [typeof(NoEndpointAvailable)] = "NoEndpointAvailable",
        [typeof(ReportOutcome)] = "ReportOutcome",
        // Endpoints (router <-> endpoint actor, snapshot gossip, quorum)
        [typeof(EndpointDefinition)] = "EndpointDefinition",
        [typeof(ModelGroupDefinition)] = "ModelGroupDefinition",
        [typeof(EndpointSnapshot)] = "EndpointSnapshot",
        [typeof(EndpointSnapshotBatch)] = "EndpointSnapshotBatch",
        [typeof(AcquireLease)] = "AcquireLease",
        [typeof(LeaseAcquired)] = "LeaseAcquired",
        [typeof(LeaseRefused)] = "LeaseRefused",
        [typeof(RenewLeases)] = "RenewLeases",
        [typeof(LeaseActivity)] = "LeaseActivity",
        [typeof(LeaseActivityBatch)] = "LeaseActivityBatch",
        [typeof(SpareLeases)] = "SpareLeases",
        [typeof(SpareLeasesBatch)] = "SpareLeasesBatch",
        [typeof(LeasesRenewed)] = "LeasesRenewed",
        [typeof(RenewLeasesBatch)] = "RenewLeasesBatch",
        [typeof(LeasesRenewedBatch)] = "LeasesRenewedBatch",
        [typeof(QueryHeldLeases)] = "QueryHeldLeases",
        [typeof(ReplicateSnapshot)] = "ReplicateSnapshot",
        [typeof(SnapshotReplicated)] = "SnapshotReplicated",
        [typeof(QuorumPing)] = "QuorumPing",
        [typeof(QuorumPong)] = "QuorumPong",
        // Registry: persisted events, configuration offers, directory keys
        [typeof(EndpointSaved)] = "EndpointSaved",
        [typeof(EndpointDeleted)] = "EndpointDeleted",
        [typeof(GroupSaved)] = "GroupSaved",
        [typeof(OfferConfiguration)] = "OfferConfiguration",
        [typeof(ConfigurationOffered)] = "ConfigurationOffered",
        [typeof(DirectoryEntryId)] = "DirectoryEntryId",
        // Management commands and their answer
        [typeof(UpsertModelGroup)] = "UpsertModelGroup",
        [typeof(SetGroupStrategy)] = "SetGroupStrategy",
        [typeof(RegisterEndpoint)] = "RegisterEndpoint",
        [typeof(UpdateEndpoint)] = "UpdateEndpoint",
        [typeof(RemoveEndpoint)] = "RemoveEndpoint",
        [typeof(DrainEndpoint)] = "DrainEndpoint",
        [typeof(UndrainEndpoint)] = "UndrainEndpoint",
        [typeof(ManagementResult)] = "ManagementResult",
        // Admin queries
        [typeof(GetEndpointState)] = "GetEndpointState",
        [typeof(EndpointState)] = "EndpointState",
        [typeof(GetGroupState)] = "GetGroupState",
        [typeof(GroupState)] = "GroupState",
        [typeof(GetNodeStats)] = "GetNodeStats",
        [typeof(NodeStatsReply)] = "NodeStatsReply",
    }.ToFrozenDictionary();

    /// <summary>Manifests of removed messages: never given to a new one, so an old node's message is refused, not misread.</summary>
    public static readonly IReadOnlyList<string> Retired = ["ListModelGroups", "ModelGroupList"];
}
