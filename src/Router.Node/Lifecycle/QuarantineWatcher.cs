using Akka.Actor;
using Akka.Cluster;
using Akka.Remote;

namespace Router.Node.Lifecycle;

/// <summary>
/// Another member has quarantined this node: it downed and removed it (typically while this process was frozen or cut
/// off), and will never talk to this incarnation again. Waiting for this node's own split-brain resolver to reach the
/// same conclusion took 10-15 s after a SIGCONT, during which the node could only answer 503s; instead it downs itself
/// at once (as the resolver would: CoordinatedShutdown then skips the hand-off and leave phases that would wait for
/// members it cannot reach) and the process exits with <see cref="NodeLifecycle.DownedExitCode"/>.
/// </summary>
internal sealed class QuarantineWatcher : ReceiveActor
{
    public QuarantineWatcher(ILogger logger)
    {
        Receive<ThisActorSystemQuarantinedEvent>(e =>
        {
            LifecycleLog.Quarantined(logger, e.RemoteAddress.ToString(), e.LocalAddress.ToString());
            var cluster = Cluster.Get(Context.System);
            cluster.Down(cluster.SelfAddress);
            Context.Stop(Self);
        });
    }

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(ThisActorSystemQuarantinedEvent));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);
}
