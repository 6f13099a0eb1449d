using Akka.Actor;
using Akka.Event;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Hosting;

/// <summary>
/// Sends on through the shard region what this node told an endpoint actor here directly (<see cref="LocalEndpointActors"/>)
/// just as that actor stopped: a hand-off or a restart. The region finds the actor's next incarnation, here or on another
/// node, as it would have had the message gone through it; otherwise an acquire would wait out its timeout and mark the
/// endpoint silent, and a release would wait for the next renewal round.
/// </summary>
internal sealed class StrandedEndpointMessages : ReceiveActor
{
    public StrandedEndpointMessages(IActorRef endpointRegion)
    {
        // An endpoint actor's path is the region's, then the shard, then the entity.
        var regionPath = endpointRegion.Path;
        var shutdown = CoordinatedShutdown.Get(Context.System);
        Receive<DeadLetter>(dead =>
        {
            if (shutdown.ShutdownReason is not null || dead.Recipient.Path.Parent.Parent != regionPath) return;
            if (dead.Message is AcquireLease or ReportOutcome or RenewLeases or LeaseActivity)
                endpointRegion.Tell(dead.Message, dead.Sender);
        });
    }

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(DeadLetter));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);
}
