using Microsoft.Extensions.Logging;
using Router.Messages.Endpoints;

namespace Router.Actors.Endpoints;

/// <summary>
/// An endpoint actor's operator-facing lines (event ids 3000-3099): breaker transitions, the hand-off of a moved
/// endpoint, leases reclaimed or refused. Each is one line naming the endpoint and the numbers that matter.
/// </summary>
internal static partial class EndpointLog
{
    [LoggerMessage(3001, LogLevel.Warning,
        "Endpoint {EndpointId} breaker opened: {Cause}; refusing requests for {CooldownSeconds:0.#} s")]
    public static partial void BreakerOpened(ILogger logger, string endpointId, string cause, double cooldownSeconds);

    [LoggerMessage(3002, LogLevel.Information,
        "Endpoint {EndpointId} breaker half-open, {SinceOpenedSeconds:0.#} s after it opened: one probe request decides")]
    public static partial void BreakerHalfOpen(ILogger logger, string endpointId, double sinceOpenedSeconds);

    [LoggerMessage(3003, LogLevel.Information,
        "Endpoint {EndpointId} breaker closed: the probe succeeded, {NotServingSeconds:0.#} s after it opened")]
    public static partial void BreakerClosed(ILogger logger, string endpointId, double notServingSeconds);

    [LoggerMessage(3010, LogLevel.Information,
        "Endpoint {EndpointId} took over from incarnation {PreviousIncarnation} in {ElapsedMs:0} ms: {Answered} of {Asked} member(s) " +
        "stated their leases; restored {InFlight} lease(s) in flight ({Unaccounted} kept for silent holders), breaker {Circuit}, " +
        "{Requests} request(s) and {Tokens} token(s) in the last minute")]
    public static partial void TookOver(ILogger logger, string endpointId, long previousIncarnation, double elapsedMs, int answered, int asked,
        int inFlight, int unaccounted, CircuitState circuit, int requests, long tokens);

    [LoggerMessage(3011, LogLevel.Debug,
        "Endpoint {EndpointId} serving from scratch in {ElapsedMs:0} ms: {Answered} of {Asked} member(s) stated their leases, {InFlight} in flight")]
    public static partial void StartedFresh(ILogger logger, string endpointId, double elapsedMs, int answered, int asked, int inFlight);

    [LoggerMessage(3012, LogLevel.Warning,
        "Endpoint {EndpointId} serving after {ElapsedMs:0} ms without a statement from {SilentCount} member(s) ({Silent}): any lease they held has lapsed by now")]
    public static partial void ServingWithoutStatements(ILogger logger, string endpointId, double elapsedMs, int silentCount, string silent);

    [LoggerMessage(3020, LogLevel.Warning,
        "Endpoint {EndpointId} reclaimed {Count} lease(s) not renewed for {LeaseTtlSeconds:0.#} s: their holder is cut off or frozen " +
        "(a frozen holder may still be running them; use strict fencing to rule that out)")]
    public static partial void ReclaimedUnrenewed(ILogger logger, string endpointId, long count, double leaseTtlSeconds);

    [LoggerMessage(3023, LogLevel.Warning,
        "Endpoint {EndpointId} did not run for {PausedSeconds:0.0} s (its node paused): {Count} lease(s) get that time back before any reclaim")]
    public static partial void PauseCredited(ILogger logger, string endpointId, double pausedSeconds, int count);

    // Debug, not a warning: most are releases that crossed the renewal listing them (10,000 streams ending together logged
    // 345 with nothing wrong). A holder that really aborts requests says so itself (LeaseLog.RevokedUnknown, a warning).
    [LoggerMessage(3021, LogLevel.Debug,
        "Endpoint {EndpointId} told {Holder} that {Count} lease(s) of its renewal are not counted here (released or reclaimed already, or over its cap after a move): it stops any it still holds")]
    public static partial void ToldHolderToStop(ILogger logger, string endpointId, string holder, int count);

    [LoggerMessage(3022, LogLevel.Information,
        "Endpoint {EndpointId} ended {Count} lease(s) of the previous incarnation of {Address}, which restarted")]
    public static partial void EndedLeasesOfRestartedHolder(ILogger logger, string endpointId, int count, string address);
}
