using Router.Messages.Endpoints;

namespace Router.Actors.Strategies;

/// <summary>An endpoint that may take the request: its settings and the latest snapshot of its state.</summary>
public sealed record EndpointCandidate(EndpointDefinition Definition, EndpointSnapshot Snapshot)
{
    public string Id => Definition.Id;
}
