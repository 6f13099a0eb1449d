using Router.Messages.Endpoints;

namespace Router.Actors.Strategies;

/// <summary>An endpoint that may take the request: its settings and the latest snapshot of its state.</summary>
/// <remarks>A struct: routers build one per endpoint per decision, and groups can have a thousand endpoints.</remarks>
public readonly record struct EndpointCandidate(EndpointDefinition Definition, EndpointSnapshot Snapshot)
{
    public string Id => Definition.Id;
}
