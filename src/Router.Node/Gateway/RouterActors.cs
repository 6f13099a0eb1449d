using Akka.Actor;
using Akka.Hosting;
using Router.Actors.Hosting;

namespace Router.Node.Gateway;

/// <summary>The actors the gateway talks to: this node's router pool and the endpoint shard region.</summary>
internal sealed class RouterActors(IRequiredActor<RouterPool> router, IRequiredActor<EndpointRegion> region)
{
    public IActorRef Router { get; } = router.ActorRef;
    public IActorRef Region { get; } = region.ActorRef;
}
