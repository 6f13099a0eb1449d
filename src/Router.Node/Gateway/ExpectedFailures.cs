using Akka.Actor;

namespace Router.Node.Gateway;

/// <summary>
/// The last line before ASP.NET Core's "unhandled exception" log (and the developer exception page): what a gateway
/// meets every day (a client that left, a slow or broken body, a cluster that did not answer) ends the request with one
/// line and no stack trace. Anything else is a bug and still reaches the host's error log with its trace.
/// </summary>
internal static class ExpectedFailures
{
    /// <summary>Metadata of a route that ends these failures itself (<see cref="Matches"/>, <see cref="EndAsync"/>): the
    /// gateway's model routes, so a proxied request has no second async frame (and its allocation) for this.</summary>
    public static readonly CaughtByTheRoute CaughtByRoute = new();

    public sealed class CaughtByTheRoute;

    public static Task Handle(HttpContext context, RequestDelegate next) =>
        context.GetEndpoint()?.Metadata.GetMetadata<CaughtByTheRoute>() is not null ? next(context) : GuardedAsync(context, next);

    private static async Task GuardedAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (Matches(e, context))
        {
            await EndAsync(context, e);
        }
    }

    /// <summary>Whether <paramref name="e"/> is one of the failures a gateway meets every day, not a bug.</summary>
    public static bool Matches(Exception e, HttpContext context) =>
        e is BadHttpRequestException or AskTimeoutException ||
        e is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested;

    /// <summary>Ends the request after a failure <see cref="Matches"/> accepted: one log line, and the answer it calls for.</summary>
    public static Task EndAsync(HttpContext context, Exception e)
    {
        switch (e)
        {
            case OperationCanceledException or IOException when context.RequestAborted.IsCancellationRequested:
                Log(context, "the client went away");
                return Task.CompletedTask;
            case BadHttpRequestException bad:
                Log(context, $"bad request from the client: {bad.Message}");
                if (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested) context.Response.StatusCode = bad.StatusCode;
                return Task.CompletedTask;
            case AskTimeoutException:
                Log(context, "the cluster did not answer in time");
                return !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested
                    ? OpenAiErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                        "The cluster did not answer in time; retry shortly.", "service_unavailable", "cluster_timeout", TimeSpan.FromSeconds(1))
                    : Task.CompletedTask;
            default:
                throw new ArgumentException($"{e.GetType().Name} is not one of the failures Matches accepts", nameof(e));
        }
    }

    private static void Log(HttpContext context, string reason) =>
        GatewayLog.EndedExpectedly(context.RequestServices.GetRequiredService<ILogger<GatewayRequestHandler>>(),
            context.TraceIdentifier, context.Request.Method, context.Request.Path.Value ?? "", reason);
}
