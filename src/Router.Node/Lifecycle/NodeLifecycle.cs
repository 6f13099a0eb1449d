using Akka.Actor;

namespace Router.Node.Lifecycle;

/// <summary>
/// Whether this node has begun to stop (SIGTERM, <c>routerctl cluster leave</c>, or its actor system ended), and the
/// exit code the process ends with. Read lock-free on every gateway request and health probe.
/// </summary>
internal sealed class NodeLifecycle
{
    /// <summary>The process ends with this code when the cluster downed or removed the node: a supervisor should restart it.</summary>
    public const int DownedExitCode = 3;

    private int _stopping;

    /// <summary>True from the stop signal on: the node is not ready and answers new gateway requests 503.</summary>
    public bool IsStopping => Volatile.Read(ref _stopping) == 1;

    public void BeginStopping() => Interlocked.Exchange(ref _stopping, 1);

    private int _disposing;

    /// <summary>True once the node's owner disposes it (tests, benchmarks, a host that embeds it) without stopping it
    /// first: its actor system then ends with its services, which is no unplanned stop.</summary>
    public bool IsDisposing => Volatile.Read(ref _disposing) == 1;

    public void BeginDisposing()
    {
        Interlocked.Exchange(ref _disposing, 1);
        BeginStopping();
    }

    /// <summary>
    /// Why the actor system ended, when something other than this node's own stop ended it (null while it runs, when the
    /// host stopped it, or when the node was disposed): the cluster downed or removed the node, or it was asked to leave
    /// by another member.
    /// </summary>
    public string? UnplannedEndOf(ActorSystem system)
    {
        if (!system.WhenTerminated.IsCompleted || IsDisposing) return null;
        return CoordinatedShutdown.Get(system).ShutdownReason switch
        {
            null or CoordinatedShutdown.ClrExitReason => null,
            CoordinatedShutdown.ClusterLeavingReason => "it left the cluster at another member's request",
            CoordinatedShutdown.ClusterDowningReason => "the cluster downed or removed it",
            CoordinatedShutdown.ClusterJoinUnsuccessfulReason => "it could not join the cluster",
            var other => $"its actor system shut down ({other.GetType().Name})",
        };
    }

    /// <summary>0 after an ordinary stop or a requested leave; <see cref="DownedExitCode"/> when the cluster got rid of the node.</summary>
    public static int ExitCodeOf(ActorSystem system) =>
        CoordinatedShutdown.Get(system).ShutdownReason is null or CoordinatedShutdown.ClrExitReason or CoordinatedShutdown.ClusterLeavingReason
            ? 0
            : DownedExitCode;
}
