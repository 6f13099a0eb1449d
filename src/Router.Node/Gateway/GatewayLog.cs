namespace Router.Node.Gateway;

/// <summary>
/// The gateway's lines (event ids 1000-1099). One line per event, never a stack trace for a condition a gateway meets
/// every day (a client that left, a slow body, a timeout, a cluster that did not answer). Reasons are the
/// secret-redacted summaries the client gets: upstream keys never reach the log.
/// </summary>
internal static partial class GatewayLog
{
    [LoggerMessage(1001, LogLevel.Warning,
        "Request {RequestId}: attempt {Attempt} on endpoint {EndpointId} failed ({Outcome}, HTTP {Status}): {Reason}")]
    public static partial void AttemptFailed(ILogger logger, string requestId, int attempt, string endpointId, string outcome, int status, string reason);

    [LoggerMessage(1002, LogLevel.Warning,
        "Request {RequestId}: answered 5xx by {Endpoints} endpoints, not retried further (the request itself seems to cause the failure); last: {Reason}")]
    public static partial void RequestAtFault(ILogger logger, string requestId, int endpoints, string reason);

    [LoggerMessage(1003, LogLevel.Information,
        "Request {RequestId}: answered {Status} after {Attempts} upstream attempt(s): {Reason}")]
    public static partial void NotServed(ILogger logger, string requestId, int status, int attempts, string reason);

    [LoggerMessage(1004, LogLevel.Information,
        "Request {RequestId}: the client went away after {ElapsedMs:0} ms ({Attempts} upstream attempt(s)); its leases were released")]
    public static partial void ClientGone(ILogger logger, string requestId, double elapsedMs, int attempts);

    [LoggerMessage(1005, LogLevel.Information,
        "Request {RequestId}: the request body could not be read ({Reason}); answered {Status}")]
    public static partial void BodyNotRead(ILogger logger, string requestId, string reason, int status);

    [LoggerMessage(1006, LogLevel.Warning,
        "Request {RequestId}: Router:RequestTimeoutSeconds ({TimeoutSeconds} s) ran out after {Attempts} upstream attempt(s) before an endpoint answered")]
    public static partial void RequestTimedOut(ILogger logger, string requestId, double timeoutSeconds, int attempts);

    [LoggerMessage(1007, LogLevel.Information,
        "Request {RequestId}: no answer in time while routing '{ModelGroup}' ({Reason}); asking again ({Retry} of {MaxRetries})")]
    public static partial void RouterSilent(ILogger logger, string requestId, string modelGroup, string reason, int retry, int maxRetries);

    [LoggerMessage(1008, LogLevel.Information,
        "Request {RequestId} {Method} {Path} ended: {Reason}")]
    public static partial void EndedExpectedly(ILogger logger, string requestId, string method, string path, string reason);
}
