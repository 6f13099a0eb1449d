using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Router.Actors.Hosting;

namespace Router.Node.Lifecycle;

/// <summary>
/// Probes on the gateway listener. <c>/healthz/live</c>: the process runs and its actor system has not terminated
/// (Akka.Hosting's liveness check). <c>/healthz/ready</c> (and its alias <c>/health</c>): the node is Up in the
/// cluster, reaches a majority of the gateways, and is not stopping.
/// </summary>
internal static class NodeHealth
{
    public const string LiveTag = "live";
    public const string ReadyTag = "ready";

    public static IEndpointRouteBuilder MapNodeHealth(this IEndpointRouteBuilder app)
    {
        var live = Options(LiveTag);
        var ready = Options(ReadyTag);
        app.MapHealthChecks("/healthz/live", live);
        app.MapHealthChecks("/healthz/ready", ready);
        app.MapHealthChecks("/health", ready); // kept for existing probes and scripts
        return app;
    }

    private static HealthCheckOptions Options(string tag) => new()
    {
        Predicate = check => check.Tags.Contains(tag),
        ResponseWriter = WriteAsync,
    };

    /// <summary>{"status":"Unhealthy","checks":{"router-ready":{"status":"Unhealthy","description":"..."}}}</summary>
    private static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        using var buffer = new MemoryStream();
        await using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("status", report.Status.ToString());
            json.WriteStartObject("checks");
            foreach (var (name, entry) in report.Entries)
            {
                json.WriteStartObject(name);
                json.WriteString("status", entry.Status.ToString());
                if (entry.Description is not null) json.WriteString("description", entry.Description);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        await context.Response.Body.WriteAsync(buffer.ToArray());
    }
}

/// <summary>Ready: Up in the cluster, a majority of the gateways reachable, not stopping.</summary>
internal sealed class RouterReadinessCheck(ActorSystem system, RouterRuntime runtime, NodeLifecycle lifecycle) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (lifecycle.IsStopping) return Unhealthy("the node is shutting down");
        if (system.WhenTerminated.IsCompleted) return Unhealthy("the actor system has terminated");
        var status = Cluster.Get(system).SelfMember.Status;
        if (status != MemberStatus.Up) return Unhealthy($"the node is {status} in the cluster, not Up");
        if (!runtime.Quorum.HasMajority) return Unhealthy("the node does not reach a majority of the gateways");
        return Task.FromResult(HealthCheckResult.Healthy("Up, in the majority"));
    }

    private static Task<HealthCheckResult> Unhealthy(string why) => Task.FromResult(HealthCheckResult.Unhealthy(why));
}
