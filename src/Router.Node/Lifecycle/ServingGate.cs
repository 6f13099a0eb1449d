using Akka.Actor;
using Router.Node.Gateway;

namespace Router.Node.Lifecycle;

/// <summary>
/// From the stop signal on (or once the actor system has ended), new gateway requests get an OpenAI-shaped 503 with
/// Retry-After and <c>Connection: close</c> at once, so a client or balancer retries on another node. Requests already
/// in flight are past this gate and finish.
/// </summary>
internal sealed class ServingGate(IServiceProvider services)
{
    // Singletons from the root provider: asking context.RequestServices instead opened a DI scope for every request (a
    // scope, its dictionary and a feature, disposed at the end). The actor system starts after the pipeline is built,
    // so it is resolved at the first request; PublicationOnly: a failed resolution is not kept, the next request tries again.
    private readonly NodeLifecycle _lifecycle = services.GetRequiredService<NodeLifecycle>();
    private readonly Lazy<ActorSystem> _system = new(services.GetRequiredService<ActorSystem>, LazyThreadSafetyMode.PublicationOnly);

    public Task Handle(HttpContext context, RequestDelegate next)
    {
        if (!context.Request.Path.StartsWithSegments("/v1")) return next(context);
        string? why = null;
        if (_lifecycle.IsStopping) why = "This gateway node is shutting down; send the request to another node.";
        else if (_system.Value.WhenTerminated.IsCompleted) why = "This gateway node has left the cluster; send the request to another node.";
        if (why is null) return next(context);
        return RejectAsync(context, why);
    }

    private static Task RejectAsync(HttpContext context, string why)
    {
        var response = context.Response;
        response.OnStarting(() =>
        {
            response.Headers.Connection = "close";
            return Task.CompletedTask;
        });
        return OpenAiErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, why, "service_unavailable", "gateway_shutting_down", TimeSpan.FromSeconds(1));
    }
}
