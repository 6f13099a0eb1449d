using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Router.Messages.Routing;

namespace Router.Actors.Hosting;

/// <summary>
/// How another Akka service reaches the router: <see cref="RouteAsync"/> sends a <see cref="RouteRequest"/>
/// to a gateway's router pool through DistributedPubSub (preferring one on this node), and
/// <see cref="Report"/> releases the lease at the endpoint's actor through the shard region (proxy).
/// </summary>
public sealed class RouterClient(ActorSystem system, IActorRef endpointRegion)
{
    private readonly IActorRef _mediator = DistributedPubSub.Get(system).Mediator;

    public Task<IRouteResponse> RouteAsync(RouteRequest request, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _mediator.Ask<IRouteResponse>(
            new Send(RouterHostingExtensions.RouterPath, request, localAffinity: true), timeout, cancellationToken);

    public void Report(ReportOutcome outcome) => endpointRegion.Tell(outcome);
}
