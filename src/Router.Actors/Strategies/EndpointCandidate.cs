using Router.Messages.Endpoints;

namespace Router.Actors.Strategies;

/// <summary>An endpoint that may take the request: its settings and the latest snapshot of its state.</summary>
/// <remarks>A struct: routers build one per endpoint per decision, and groups can have a thousand endpoints.</remarks>
public readonly record struct EndpointCandidate(EndpointDefinition Definition, EndpointSnapshot Snapshot)
{
    public string Id => Definition.Id;

    /// <summary>Requests in flight as this node sees them now: the snapshot's count less this node's releases since.
    /// Strategies that rank on load should read this rather than <c>Snapshot.InFlight</c>.</summary>
    public int InFlight => Math.Max(0, Snapshot.InFlight - ReleasedSinceSnapshot);

    /// <summary>Leases this node gave back on the endpoint since <see cref="Snapshot"/> was taken.</summary>
    public int ReleasedSinceSnapshot { get; init; }
}
