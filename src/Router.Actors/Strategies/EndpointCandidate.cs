using Router.Messages.Endpoints;

namespace Router.Actors.Strategies;

/// <summary>An endpoint that may take the request: its settings and the latest snapshot of its state.</summary>
/// <remarks>A struct: routers build one per endpoint per decision, and groups can have a thousand endpoints.</remarks>
public readonly record struct EndpointCandidate(EndpointDefinition Definition, EndpointSnapshot Snapshot)
{
    public string Id => Definition.Id;

    /// <summary>This node's own activity not yet in the snapshot: acquires in the air toward the endpoint, plus leases
    /// granted here less those released here since the snapshot was taken (may be negative).</summary>
    public int Pending { get; init; }

    /// <summary>Requests in flight as this node sees them now: the snapshot's count plus this node's own activity since.
    /// Strategies that rank on load should read this rather than <c>Snapshot.InFlight</c>.</summary>
    public int InFlight => Math.Max(0, Snapshot.InFlight + Pending);
}
