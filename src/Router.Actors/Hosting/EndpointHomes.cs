using System.Collections.Concurrent;
using Akka.Actor;

namespace Router.Actors.Hosting;

/// <summary>
/// The node each endpoint's actor last answered from (a grant to a router, a renewal to the lease keeper), so a holder
/// can tell when its authority is cut off and where to batch lease activity. One per node; written only through
/// <see cref="Observe"/>, by the routers and the lease keeper.
/// </summary>
public sealed class EndpointHomes
{
    private readonly ConcurrentDictionary<string, Address> _homes = new(StringComparer.Ordinal);

    /// <summary>Records where an endpoint's actor answered from (<paramref name="endpointActor"/> is the reply's sender).</summary>
    internal void Observe(string endpointId, IActorRef endpointActor, Address selfAddress)
    {
        var address = endpointActor.Path.Address.HasGlobalScope ? endpointActor.Path.Address : selfAddress;
        if (!_homes.TryGetValue(endpointId, out var known) || known != address) _homes[endpointId] = address;
    }

    /// <summary>The node the endpoint's actor last answered from, if it ever answered this node.</summary>
    public bool TryGetHome(string endpointId, out Address home) => _homes.TryGetValue(endpointId, out home!);
}
