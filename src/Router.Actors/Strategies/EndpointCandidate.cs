using Router.Messages.Endpoints;

namespace Router.Actors.Strategies;

/// <summary>An endpoint that may take the request: its settings and the latest snapshot of its state.</summary>
/// <remarks>A struct: routers build one per endpoint per decision, and groups can have a thousand endpoints.</remarks>
public readonly record struct EndpointCandidate(EndpointDefinition Definition, EndpointSnapshot Snapshot)
{
    public string Id => Definition.Id;

    /// <summary>What this node knows that the snapshot's count does not show (may be negative): its acquires in the air
    /// toward the endpoint, and its own requests there counted exactly rather than as the snapshot saw them.</summary>
    public int Pending { get; init; }

    /// <summary>Its place in the group (the group's endpoints in id order), as a shortlist names it
    /// (<see cref="IRoutingStrategy.Shortlist"/>).</summary>
    public int Position { get; init; }

    /// <summary>Requests in flight as this node ranks them now: its acquires in the air and its own requests on the
    /// endpoint, exactly, plus its share of the other nodes' requests from the latest snapshot (divided among the nodes
    /// holding leases there, so that gateways seeing the same snapshot do not all move onto the endpoint it shows
    /// idlest). Strategies that rank on load should read this rather than <c>Snapshot.InFlight</c>.</summary>
    public int InFlight => Math.Max(0, Snapshot.InFlight + Pending);
}
