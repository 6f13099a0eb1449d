using Microsoft.Extensions.Logging;

namespace Router.Actors.Leasing;

/// <summary>The lease keeper's lines (event ids 3100-3199): leases this node revoked, and why, one line per event.</summary>
internal static partial class LeaseLog
{
    [LoggerMessage(3101, LogLevel.Warning,
        "Revoked {Count} lease(s) on {EndpointId}: the endpoint no longer counts them (reclaimed, or over its cap after a move); their requests were aborted")]
    public static partial void RevokedUnknown(ILogger logger, string endpointId, int count);

    [LoggerMessage(3102, LogLevel.Warning,
        "Fenced {Count} lease(s) on {EndpointIds}: not renewed within {ValiditySeconds:0.#} s, their requests were aborted{PauseNote}")]
    public static partial void Fenced(ILogger logger, int count, string endpointIds, double validitySeconds, string pauseNote);

    [LoggerMessage(3103, LogLevel.Warning, "Stopping: revoked {Count} lease(s) still held; their requests were aborted")]
    public static partial void RevokedAtStop(ILogger logger, int count);

    [LoggerMessage(3104, LogLevel.Information,
        "No answer to {Count} renewal statement(s) batched to {Node}: renewing there one endpoint at a time for {Seconds:0} s (a node on a version without batched renewals, or one not reachable)")]
    public static partial void RenewalBatchUnanswered(ILogger logger, string node, int count, double seconds);
}
