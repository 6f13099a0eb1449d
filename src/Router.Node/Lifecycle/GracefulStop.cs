using System.Diagnostics;
using Akka.Actor;
using Microsoft.AspNetCore.Hosting.Server;
using Router.Node.Configuration;

namespace Router.Node.Lifecycle;

/// <summary>
/// The stop sequence. On SIGTERM (or a self-leave) the node (1) becomes unready and answers new gateway requests 503,
/// (2) stops Kestrel: the listener closes at once and requests in flight finish, up to Gateway:ShutdownDrainSeconds,
/// while the actor system keeps renewing and releasing their leases, and only then (3) Akka.Hosting runs
/// CoordinatedShutdown: leave the cluster, hand the endpoint shards off, terminate.
/// </summary>
/// <remarks>
/// Akka 1.5's CLR shutdown hook (<c>run-by-clr-shutdown-hook</c>, a PosixSignalRegistration on .NET 6+) runs
/// CoordinatedShutdown the moment SIGTERM arrives; the node turns it off, otherwise the actor system would leave the
/// cluster while Kestrel still accepted requests, which then waited 10 s for a router that no longer answered and got
/// an empty 500.
/// The drain runs in <see cref="StoppingAsync"/>, which the host calls before any hosted service's StopAsync, so it
/// comes before Akka's StopAsync whatever the registration order.
/// When the actor system ends first (the cluster downed or removed the node, or another member quarantined it: see
/// <see cref="QuarantineWatcher"/>) the host is stopped at once, with a short drain (requests there cannot be served
/// any more; a drain already under way is cut to the same), and the process exits with <see cref="NodeLifecycle.DownedExitCode"/>.
/// </remarks>
internal sealed class GracefulStop(
    IServer server,
    IServiceProvider services,
    GatewayOptions gateway,
    NodeLifecycle lifecycle,
    IHostApplicationLifetime lifetime,
    ILogger<GracefulStop> logger) : IHostedLifecycleService
{
    /// <summary>How long requests may still run on a node whose actor system has already ended.</summary>
    private static readonly TimeSpan DrainAfterTermination = TimeSpan.FromSeconds(1);

    private CancellationTokenRegistration _stopping;
    private readonly Stopwatch _stop = new();
    private TimeSpan _drained;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(lifecycle.BeginStopping);
        var system = services.GetRequiredService<ActorSystem>();
        system.ActorOf(Props.Create(() => new QuarantineWatcher(logger)), "llm-quarantine-watcher");
        system.WhenTerminated.ContinueWith(_ => OnActorSystemTerminated(system), TaskScheduler.Default);
        return Task.CompletedTask;
    }

    private void OnActorSystemTerminated(ActorSystem system)
    {
        var why = lifecycle.UnplannedEndOf(system);
        if (why is null) return; // the host's own stop ran CoordinatedShutdown, or the node was disposed
        var code = NodeLifecycle.ExitCodeOf(system);
        if (code == 0) LifecycleLog.StoppingUnplanned(logger, why);
        else LifecycleLog.StoppingForRestart(logger, why, code);
        lifecycle.BeginStopping();
        lifetime.StopApplication();
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        lifecycle.BeginStopping();
        var system = services.GetRequiredService<ActorSystem>();
        var budget = system.WhenTerminated.IsCompleted ? DrainAfterTermination : TimeSpan.FromSeconds(gateway.ShutdownDrainSeconds);
        LifecycleLog.Draining(logger, budget.TotalSeconds);
        _stop.Start();
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        drain.CancelAfter(budget);
        // A SIGTERM can race the cluster's removal of this node (a frozen node resumed and stopped by its supervisor):
        // once the actor system has ended, the requests still draining can no longer be routed or have their leases
        // renewed, so waiting out the whole budget would only keep the process (and its ports) from a restart.
        _ = system.WhenTerminated.ContinueWith(_ => ShortenDrain(drain, budget), TaskScheduler.Default);
        await server.StopAsync(drain.Token);
        _drained = _stop.Elapsed;
        LifecycleLog.Drained(logger, _drained.TotalSeconds, drain.IsCancellationRequested ? " (the rest were aborted)" : "");
    }

    private void ShortenDrain(CancellationTokenSource drain, TimeSpan budget)
    {
        if (budget - _stop.Elapsed <= DrainAfterTermination) return;
        try { drain.CancelAfter(DrainAfterTermination); }
        catch (ObjectDisposedException) { } // the drain had already ended
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        // After every hosted service's StopAsync, Akka.Hosting's CoordinatedShutdown (leave, hand-off) included.
        LifecycleLog.Stopped(logger, (_stop.Elapsed - _drained).TotalSeconds, _stop.Elapsed.TotalSeconds);
        _stopping.Dispose();
        return Task.CompletedTask;
    }
}
