using Router.Messages.Admin;
using Router.Messages.Endpoints;
using Router.Messages.Registry;
using Router.Messages.Routing;
using Router.Messages.Serialization;

namespace Router.Messages.Tests;

/// <summary>
/// The manifests are the wire's (and the registry journal's) names for the messages. This table is their pinned copy:
/// when this test fails, a manifest changed, and nodes of the previous version (or a journal written by one) would no
/// longer understand the message. Rename a record freely; never edit a string here, add one for a new message.
/// </summary>
public sealed class WireManifestTests
{
    internal static readonly Dictionary<Type, string> Pinned = new()
    {
        [typeof(RouteRequest)] = "RouteRequest",
        [typeof(Lease)] = "Lease",
        [typeof(LeaseGranted)] = "LeaseGranted",
        [typeof(NoEndpointAvailable)] = "NoEndpointAvailable",
        [typeof(ReportOutcome)] = "ReportOutcome",
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
        [typeof(RenewLeasesBatch)] = "RenewLeasesBatch",
        [typeof(LeasesRenewedBatch)] = "LeasesRenewedBatch",
        [typeof(LeasesRenewed)] = "LeasesRenewed",
        [typeof(QueryHeldLeases)] = "QueryHeldLeases",
        [typeof(ReplicateSnapshot)] = "ReplicateSnapshot",
        [typeof(SnapshotReplicated)] = "SnapshotReplicated",
        [typeof(QuorumPing)] = "QuorumPing",
        [typeof(QuorumPong)] = "QuorumPong",
        [typeof(EndpointSaved)] = "EndpointSaved",
        [typeof(EndpointDeleted)] = "EndpointDeleted",
        [typeof(GroupSaved)] = "GroupSaved",
        [typeof(OfferConfiguration)] = "OfferConfiguration",
        [typeof(ConfigurationOffered)] = "ConfigurationOffered",
        [typeof(DirectoryEntryId)] = "DirectoryEntryId",
        [typeof(UpsertModelGroup)] = "UpsertModelGroup",
        [typeof(SetGroupStrategy)] = "SetGroupStrategy",
        [typeof(RegisterEndpoint)] = "RegisterEndpoint",
        [typeof(UpdateEndpoint)] = "UpdateEndpoint",
        [typeof(RemoveEndpoint)] = "RemoveEndpoint",
        [typeof(DrainEndpoint)] = "DrainEndpoint",
        [typeof(UndrainEndpoint)] = "UndrainEndpoint",
        [typeof(ManagementResult)] = "ManagementResult",
        [typeof(GetEndpointState)] = "GetEndpointState",
        [typeof(EndpointState)] = "EndpointState",
        [typeof(GetGroupState)] = "GetGroupState",
        [typeof(GroupState)] = "GroupState",
        [typeof(GetNodeStats)] = "GetNodeStats",
        [typeof(NodeStatsReply)] = "NodeStatsReply",
    };

    /// <summary>Removed messages: their manifests stay out of use.</summary>
    private static readonly string[] Retired = ["ListModelGroups", "ModelGroupList"];

    [Fact]
    public void Every_manifest_is_the_pinned_one() =>
        RouterMessageSerializer.Manifests.Should().BeEquivalentTo(Pinned,
            "a changed manifest breaks the wire between versions and the registry's journal; a new message needs a new line in both tables");

    [Fact]
    public void Every_message_the_serializer_carries_has_a_manifest() =>
        RouterMessageSerializer.SupportedTypes.Should().BeEquivalentTo(RouterMessageSerializer.Manifests.Keys);

    [Fact]
    public void Manifests_are_unique_and_never_a_retired_one()
    {
        RouterMessageSerializer.Manifests.Values.Should().OnlyHaveUniqueItems();
        RouterMessageSerializer.RetiredManifests.Should().BeEquivalentTo(Retired, "a retired manifest stays retired");
        RouterMessageSerializer.Manifests.Values.Should().NotContain(Retired);
    }
}
