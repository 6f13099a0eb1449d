using Akka.Actor;
using Akka.Cluster;
using Router.Messages.Routing;

namespace Router.Actors.Hosting;

/// <summary>
/// How another Akka service reaches the router. <see cref="RouteAsync"/> sends a <see cref="RouteRequest"/>
/// to the router pool of an up gateway node (this node's own when it is a gateway, otherwise the gateways in
/// turn); <see cref="Report"/> releases the lease at the endpoint's actor through the shard region (proxy).
/// </summary>
/// <remarks>
/// Gateways are found from cluster membership, which every member already has, rather than from a
/// gossiped registry that a freshly joined service may not have received yet.
/// </remarks>
public sealed class RouterClient(ActorSystem system, IActorRef endpointRegion)
{
    private readonly Cluster _cluster = Cluster.Get(system);
    private int _next;

    public Task<IRouteResponse> RouteAsync(RouteRequest request, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        PickGateway().Ask<IRouteResponse>(request, timeout, cancellationToken);

    public void Report(ReportOutcome outcome) => endpointRegion.Tell(outcome);

    private ActorSelection PickGateway()
    {
        var gateways = _cluster.State.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(RouterClusterOptions.GatewayRole))
            .Select(m => m.Address)
            .ToList();
        if (gateways.Count == 0)
            throw new InvalidOperationException(
                $"No gateway node (role '{RouterClusterOptions.GatewayRole}') is up in the cluster; has this node joined it?");
        var address = gateways.Contains(_cluster.SelfAddress)
            ? _cluster.SelfAddress
            : gateways[(int)((uint)Interlocked.Increment(ref _next) % (uint)gateways.Count)];
        return system.ActorSelection(new RootActorPath(address) / "user" / RouterHostingExtensions.RouterActorName);
    }
}
