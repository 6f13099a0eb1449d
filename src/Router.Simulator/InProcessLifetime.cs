using Microsoft.Extensions.Hosting;

namespace Router.Simulator;

/// <summary>
/// An in-process simulator ignores the process's Ctrl-C / SIGTERM: its owner stops it (for a gateway node,
/// after the node has drained the requests that are still using it).
/// </summary>
internal sealed class InProcessLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
