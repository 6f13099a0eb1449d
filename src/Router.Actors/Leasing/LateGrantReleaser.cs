using Akka.Actor;
using Akka.Event;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Leasing;

/// <summary>
/// The owner of grants nobody waits for any more. A caller whose ask timed out or was cancelled is gone when its
/// <see cref="LeaseGranted"/> arrives, so the answer lands in dead letters; this actor releases it there at once,
/// rather than leaving the slot taken until its lease lapses. A grant to this node's caller was booked by the router as
/// it granted (<see cref="LeaseBook"/>): it leaves the book too, so this node no longer counts it as running.
/// </summary>
internal sealed class LateGrantReleaser : ReceiveActor
{
    public LateGrantReleaser(IActorRef endpointRegion, LeaseBook leases)
    {
        Receive<DeadLetter>(dead =>
        {
            switch (dead.Message)
            {
                case LeaseGranted { Lease: var lease }:
                    var release = new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.NotUsed);
                    leases.Remove(release, resend: false);
                    endpointRegion.Tell(release);
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
