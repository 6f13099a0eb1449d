using Router.Messages.Endpoints;

namespace Router.Actors.Endpoints;

/// <summary>
/// What an endpoint's actor decides a lease on, read from its definition and its last published snapshot: where it
/// could only say yes, a router may grant without asking it (<see cref="Routing.LocalGrants"/>) and a gateway may
/// report a release after the client's response (a release changes nothing it admits on).
/// </summary>
public static class EndpointAdmission
{
    /// <summary>No in-flight cap and no rpm or tpm limit.</summary>
    public static bool Uncapped(EndpointDefinition definition) => definition is { MaxInFlight: null, Rpm: null, Tpm: null };

    /// <summary>
    /// Nothing but a cap to decide: no strict slot, not drained, and a snapshot from the actor itself (none yet means
    /// ask) with a closed breaker and a provider that did not say it has nothing left.
    /// </summary>
    public static bool NothingElseToDecide(EndpointDefinition definition, EndpointSnapshot? snapshot) =>
        definition is { Fencing: LeaseFencing.Available, Drained: false } &&
        snapshot is { Incarnation: not 0, Circuit: CircuitState.Closed, Drained: false } &&
        snapshot.ProviderRemainingRequests is null or > 0 && snapshot.ProviderRemainingTokens is null or > 0;

    /// <summary>The actor would grant any request: uncapped, with nothing else to decide.</summary>
    public static bool OnlySaysYes(EndpointDefinition definition, EndpointSnapshot? snapshot) =>
        Uncapped(definition) && NothingElseToDecide(definition, snapshot);
}
