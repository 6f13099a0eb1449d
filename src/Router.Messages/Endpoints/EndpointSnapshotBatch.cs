namespace Router.Messages.Endpoints;

/// <summary>The snapshots that changed on one node since its last publication, sent to every node at once.</summary>
public sealed record EndpointSnapshotBatch(IReadOnlyList<EndpointSnapshot> Snapshots) : IRouterMessage;
