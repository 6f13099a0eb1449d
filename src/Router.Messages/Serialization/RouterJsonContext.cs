using System.Text.Json.Serialization;
using Router.Messages.Admin;
using Router.Messages.Endpoints;
using Router.Messages.Registry;
using Router.Messages.Routing;

namespace Router.Messages.Serialization;

/// <summary>Source-generated System.Text.Json metadata for every wire message: no reflection on the hot path.</summary>
[JsonSourceGenerationOptions(
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RouteRequest))]
[JsonSerializable(typeof(Lease))]
[JsonSerializable(typeof(LeaseGranted))]
[JsonSerializable(typeof(NoEndpointAvailable))]
[JsonSerializable(typeof(ReportOutcome))]
[JsonSerializable(typeof(EndpointDefinition))]
[JsonSerializable(typeof(ModelGroupDefinition))]
[JsonSerializable(typeof(EndpointSnapshot))]
[JsonSerializable(typeof(EndpointSnapshotBatch))]
[JsonSerializable(typeof(AcquireLease))]
[JsonSerializable(typeof(LeaseAcquired))]
[JsonSerializable(typeof(LeaseRefused))]
[JsonSerializable(typeof(RenewLeases))]
[JsonSerializable(typeof(LeaseActivity))]
[JsonSerializable(typeof(LeaseActivityBatch))]
[JsonSerializable(typeof(SpareLeases))]
[JsonSerializable(typeof(SpareLeasesBatch))]
[JsonSerializable(typeof(LeasesRenewed))]
[JsonSerializable(typeof(RenewLeasesBatch))]
[JsonSerializable(typeof(LeasesRenewedBatch))]
[JsonSerializable(typeof(GrantBucket))]
[JsonSerializable(typeof(ReplicateSnapshot))]
[JsonSerializable(typeof(SnapshotReplicated))]
[JsonSerializable(typeof(QuorumPing))]
[JsonSerializable(typeof(QuorumPong))]
[JsonSerializable(typeof(QueryHeldLeases))]
[JsonSerializable(typeof(HeldLease))]
[JsonSerializable(typeof(UpsertModelGroup))]
[JsonSerializable(typeof(SetGroupStrategy))]
[JsonSerializable(typeof(EndpointSaved))]
[JsonSerializable(typeof(DirectoryEntryId))]
[JsonSerializable(typeof(EndpointDeleted))]
[JsonSerializable(typeof(GroupSaved))]
[JsonSerializable(typeof(OfferConfiguration))]
[JsonSerializable(typeof(ConfigurationOffered))]
[JsonSerializable(typeof(RegisterEndpoint))]
[JsonSerializable(typeof(UpdateEndpoint))]
[JsonSerializable(typeof(RemoveEndpoint))]
[JsonSerializable(typeof(DrainEndpoint))]
[JsonSerializable(typeof(UndrainEndpoint))]
[JsonSerializable(typeof(ManagementResult))]
[JsonSerializable(typeof(GetEndpointState))]
[JsonSerializable(typeof(EndpointState))]
[JsonSerializable(typeof(GetGroupState))]
[JsonSerializable(typeof(GroupState))]
[JsonSerializable(typeof(GetNodeStats))]
[JsonSerializable(typeof(NodeStatsReply))]
internal sealed partial class RouterJsonContext : JsonSerializerContext;
