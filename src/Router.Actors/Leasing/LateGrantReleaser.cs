using Akka.Actor;
using Akka.Event;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Leasing;

/// <summary>
/// The owner of grants nobody waits for any more. A caller whose ask timed out or was cancelled is gone when its
/// <see cref="LeaseGranted"/> arrives, so the answer lands in dead letters; this actor releases it there at once,
/// rather than leaving the slot taken until its lease lapses.
/// </summary>
internal sealed class LateGrantReleaser : ReceiveActor
{
    public LateGrantReleaser(IActorRef endpointRegion)
    {
        Receive<DeadLetter>(dead =>
        {
            switch (dead.Message)
            {
                case LeaseGranted { Lease: var lease }:
                    endpointRegion.Tell(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.NotUsed));
                    break;
                case LeaseAcquired acquired:
                    endpointRegion.Tell(new ReportOutcome(acquired.EndpointId, acquired.LeaseId, OutcomeKind.NotUsed));
                    break;
            }
        });
    }

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(DeadLetter));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);
}
