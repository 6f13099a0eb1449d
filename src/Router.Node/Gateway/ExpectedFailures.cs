using Akka.Actor;

namespace Router.Node.Gateway;

/// <summary>
/// The last line before ASP.NET Core's "unhandled exception" log (and the developer exception page): what a gateway
/// meets every day (a client that left, a slow or broken body, a cluster that did not answer) ends the request with one
/// line and no stack trace. Anything else is a bug and still reaches the host's error log with its trace.
/// </summary>
internal static class ExpectedFailures
{
    public static async Task Handle(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            Log(context, "the client went away");
        }
        catch (BadHttpRequestException e)
        {
            Log(context, $"bad request from the client: {e.Message}");
            if (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested) context.Response.StatusCode = e.StatusCode;
        }
        catch (AskTimeoutException)
        {
            Log(context, "the cluster did not answer in time");
            if (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
                await OpenAiErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                    "The cluster did not answer in time; retry shortly.", "service_unavailable", "cluster_timeout", TimeSpan.FromSeconds(1));
        }
    }

    private static void Log(HttpContext context, string reason) =>
        GatewayLog.EndedExpectedly(context.RequestServices.GetRequiredService<ILogger<GatewayRequestHandler>>(),
            context.TraceIdentifier, context.Request.Method, context.Request.Path.Value ?? "", reason);
}
