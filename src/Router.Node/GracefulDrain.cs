using Microsoft.AspNetCore.Hosting.Server;
using Router.Node.Configuration;

namespace Router.Node;

/// <summary>
/// Stops the HTTP server before the actor system. Hosted services stop in reverse order of registration,
/// and ASP.NET's own server service is registered before Akka's, so without this the node would leave the
/// cluster while requests were still being routed. Registered after AddAkka, this stops first: Kestrel
/// stops accepting and waits (up to Gateway:ShutdownDrainSeconds) for requests in flight; then the actor
/// system leaves the cluster and hands its endpoint shards off.
/// </summary>
internal sealed class GracefulDrain(IServer server, GatewaySettings gateway, ILogger<GracefulDrain> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("Stopping: no new requests; waiting up to {Seconds} s for requests in flight", gateway.ShutdownDrainSeconds);
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        drain.CancelAfter(TimeSpan.FromSeconds(gateway.ShutdownDrainSeconds));
        await server.StopAsync(drain.Token);
        logger.LogInformation("Requests drained; leaving the cluster");
    }
}
