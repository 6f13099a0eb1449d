using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using Router.Actors.Hosting;
using Router.Messages.Endpoints;
using Router.Messages.Routing;
using Router.Node.Configuration;
using Router.Node.Observability;
using Yarp.ReverseProxy.Forwarder;

namespace Router.Node.Gateway;

/// <summary>
/// Serves one OpenAI-compatible POST: read the body, ask the local router pool for a lease, forward with
/// YARP, report the outcome to the endpoint's actor; on a retryable failure try another endpoint (never
/// after the client got bytes), then the group's fallbacks.
/// </summary>
internal sealed class GatewayRequestHandler(
    IHttpForwarder forwarder,
    UpstreamClient upstream,
    RouterRuntime runtime,
    RouterClient router,
    PoisonRequests poison,
    NodeOptions settings,
    GatewayStats stats,
    UpstreamSecrets secrets,
    GatewayTelemetry telemetry,
    Router.Node.Simulation.EmbeddedSimulators simulators,
    ILogger<GatewayRequestHandler> logger)
{
    private static readonly TimeSpan RouteAskTimeout = TimeSpan.FromSeconds(10);
    private const double CapacityPollMs = 50;
    private const int MaxSilentRetries = 3;
    private const int MaxCachedUris = 4096;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string BaseUrl, string Path, string? ApiVersion), Uri> _upstreamUris = new();
    private readonly RouterOptions _router = settings.Router;

    /// <summary>
    /// Serves one OpenAI request: parse, route, forward, retry and fall back. Ends the failures a gateway meets every day
    /// itself (<see cref="ExpectedFailures"/>, which skips these routes): the state machine comes from a pool and the
    /// route awaits it as a task, one small object per request instead of two async frames.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask HandleAsync(HttpContext context, string upstreamPath, RequestFormat format = RequestFormat.Json)
    {
        try
        {
            var startedAt = Stopwatch.GetTimestamp();
            var body = await RequestBody.ReadAsync(context, settings.Gateway.MaxRequestBodyBytes, logger);
            if (body is null) return; // the reader already answered (413)
            // JSON is parsed synchronously (no task per request); only a multipart form is read asynchronously.
            var (parsed, error) = format == RequestFormat.Multipart
                ? await MultipartRequest.ParseAsync(body.Value, context.Request.ContentType)
                : ParseJson(body.Value);
            if (parsed is not { } request)
            {
                await OpenAiErrors.BadRequest(context, error);
                return;
            }
            if (!runtime.Directory.Current.Groups.ContainsKey(request.Model))
            {
                await OpenAiErrors.ModelNotFound(context, request.Model);
                return;
            }

            var counters = stats.For(request.Model);
            counters.Requested();
            using var requestTelemetry = telemetry.StartRequest(context, counters, request.Model, upstreamPath, startedAt);
            using var requestLimit = PooledTimeouts.Rent(context.RequestAborted);
            var requestTimeout = requestLimit.Source;
            requestTimeout.CancelAfter(TimeSpan.FromSeconds(_router.RequestTimeoutSeconds));

            // Streams the client did not ask usage for: ask the upstream anyway (tpm is charged with the real count)
            // and hide the usage chunk from the client.
            var hideUsage = format == RequestFormat.Json && request.Stream && !request.ClientAskedUsage
                && upstreamPath is "/chat/completions" or "/completions";
            var routing = new RoutingAttempts(request, context, hideUsage ? request.WithIncludeUsage(body.Value) : body.Value)
            {
                Format = format,
                HideUsageChunk = hideUsage,
            };
            // A JSON body goes upstream as JSON whatever the client called it (curl -d says form-urlencoded); a multipart
            // body keeps the client's content type: its boundary is in it.
            if (format == RequestFormat.Json) context.Request.ContentType = "application/json";
            try
            {
                if (await TryGroupsAsync(context, routing, upstreamPath, requestTelemetry, requestTimeout)) return;
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client left; its leases were released by each attempt.
                GatewayLog.ClientGone(logger, context.TraceIdentifier, Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds, routing.UpstreamAttempts);
                return;
            }
            catch (OperationCanceledException) when (requestTimeout.IsCancellationRequested)
            {
                // Router:RequestTimeoutSeconds ran out while routing or waiting for capacity.
                GatewayLog.RequestTimedOut(logger, context.TraceIdentifier, _router.RequestTimeoutSeconds, routing.UpstreamAttempts);
                routing.LastFailure ??= new UpstreamFailure(StatusCodes.Status504GatewayTimeout, null, "the request timeout ran out before an endpoint answered");
            }
            counters.Failed();
            await NoServiceAsync(context, routing);
            GatewayLog.NotServed(logger, context.TraceIdentifier, context.Response.StatusCode, routing.UpstreamAttempts,
                routing.LastFailure?.Summary ?? string.Join(" ", routing.Refusals.Select(r => r.Message)));
        }
        catch (Exception e) when (ExpectedFailures.Matches(e, context))
        {
            await ExpectedFailures.EndAsync(context, e);
        }
    }

    /// <summary>Tries the requested group, then its fallbacks; true once the client has a response.</summary>
    /// <remarks>This and <see cref="ForwardAsync"/> suspend on every proxied request: their state machines come from a
    /// pool (as Kestrel's do) instead of two allocations per request.</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> TryGroupsAsync(HttpContext context, RoutingAttempts routing, string upstreamPath, RequestTelemetry requestTelemetry, CancellationTokenSource requestTimeout)
    {
        // The requested group first; the fallback queue and its visited set exist only once a group has run out.
        Queue<string>? groups = null;
        HashSet<string>? visited = null;
        var group = routing.Request.Model;
        while (true)
        {
            if (group != routing.Request.Model)
            {
                stats.For(routing.Request.Model).FellBack();
                telemetry.FellBack(routing.Request.Model, group);
            }
            List<string>? excluded = null;
            var reason = NoEndpointReason.AllExcluded; // the retry budget ran out on upstream failures
            for (var attemptsLeft = 1 + _router.Retries; attemptsLeft > 0 && !requestTimeout.IsCancellationRequested; attemptsLeft--)
            {
                var answer = await GatewayTracing.RouteAsync(router, routing.RouteRequest(group, excluded, router.Holder), RouteAskTimeout, requestTimeout.Token);
                if (answer is NoEndpointAvailable busy && await WaitedForCapacity(busy, routing, context, group, requestTimeout.Token))
                {
                    attemptsLeft++; // waiting for capacity is not an upstream attempt
                    continue;
                }
                if (answer is NoEndpointAvailable none)
                {
                    routing.Refusals.Add(none);
                    reason = none.Reason;
                    break;
                }

                var lease = ((LeaseGranted)answer).Lease;
                routing.UpstreamAttempts++;
                if (routing.UpstreamAttempts > 1)
                {
                    stats.For(routing.Request.Model).Retried();
                    telemetry.Retried(lease.ModelGroup, lease.EndpointId);
                }
                var result = await ForwardAsync(context, routing, lease, upstreamPath, requestTelemetry, requestTimeout);
                if (result.ResponseSent && !result.ClientGone) return true;
                if (result.ClientGone) throw new OperationCanceledException(context.RequestAborted);
                routing.LastFailure = result.Failure;
                if (routing.RequestAtFault)
                {
                    await RequestAtFaultAsync(context, routing);
                    return true;
                }
                (excluded ??= []).Add(lease.EndpointId);
            }
            // Nothing left in this group, whether refused or failed: its fallbacks are next.
            groups ??= new Queue<string>();
            visited ??= new HashSet<string>(StringComparer.Ordinal) { routing.Request.Model };
            foreach (var next in FallbacksOf(group, reason))
                if (visited.Add(next)) groups.Enqueue(next);
            if (!groups.TryDequeue(out var nextGroup)) return false;
            group = nextGroup;
        }
    }

    /// <summary>
    /// Every endpoint is busy (or did not answer in time): wait a moment and ask again, within
    /// Router:CapacityWaitSeconds, instead of failing a request that a freed lease could serve.
    /// </summary>
    private async Task<bool> WaitedForCapacity(NoEndpointAvailable answer, RoutingAttempts routing, HttpContext context, string group, CancellationToken cancellationToken)
    {
        if (answer.Reason == NoEndpointReason.Timeout)
        {
            // The endpoints asked did not answer (their node is probably down); routers now avoid them,
            // so asking again at once usually finds a live one.
            var retry = ++routing.SilentRetries <= MaxSilentRetries;
            if (retry) GatewayLog.RouterSilent(logger, context.TraceIdentifier, group, answer.Message, routing.SilentRetries, MaxSilentRetries);
            return retry;
        }
        if (answer.Reason != NoEndpointReason.AllAtCapacity) return false;
        // Only time spent waiting counts: a slow decision (an endpoint that did not answer) does not use it up.
        var left = TimeSpan.FromSeconds(_router.CapacityWaitSeconds) - routing.CapacityWaited;
        if (left <= TimeSpan.Zero) return false;
        var pause = TimeSpan.FromMilliseconds(Math.Min(CapacityPollMs, (answer.RetryAfter ?? TimeSpan.FromMilliseconds(CapacityPollMs)).TotalMilliseconds));
        if (pause > left) pause = left;
        await Task.Delay(pause, cancellationToken);
        routing.CapacityWaited += pause;
        telemetry.CapacityWaited(answer.ModelGroup, pause);
        return true;
    }

    private IEnumerable<string> FallbacksOf(string group, NoEndpointReason reason)
    {
        if (!runtime.Directory.Current.Groups.TryGetValue(group, out var definition)) return [];
        var contextFallbacks = definition.ContextWindowFallbacks ?? [];
        return reason == NoEndpointReason.ContextWindowExceeded && contextFallbacks.Count > 0
            ? contextFallbacks
            : definition.Fallbacks ?? [];
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<AttemptResult> ForwardAsync(
        HttpContext context, RoutingAttempts routing, Lease lease, string upstreamPath, RequestTelemetry requestTelemetry, CancellationTokenSource requestTimeout)
    {
        var reported = false;
        var startedAt = requestTelemetry.StartedAt;
        try
        {
            var endpoint = runtime.Directory.Current.Endpoints.GetValueOrDefault(lease.EndpointId);
            // sim://name is stored as such (the registry outlives the simulators' ports); it becomes a port only here.
            var baseUrl = simulators.Resolve(lease.Url);
            if (!simulators.CanResolve(baseUrl))
            {
                router.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.ConnectError));
                reported = true;
                var failure = new UpstreamFailure(StatusCodes.Status502BadGateway, null,
                    $"endpoint '{lease.EndpointId}' is '{lease.Url}', a simulator this gateway node does not run (see Simulators in its configuration)");
                GatewayLog.AttemptFailed(logger, context.TraceIdentifier, routing.UpstreamAttempts, lease.EndpointId, OutcomeKind.ConnectError.ToString(),
                    failure.Status, failure.Summary);
                return new AttemptResult(OutcomeKind.ConnectError, false, failure);
            }
            var attemptStartedAt = Stopwatch.GetTimestamp();
            using var attempt = telemetry.StartAttempt(requestTelemetry, lease, endpoint, routing.UpstreamAttempts);
            var credentials = secrets.CredentialsFor(endpoint);
            var redactor = credentials.Redactor;
            var transformer = new UpstreamTransformer(
                UpstreamUri(baseUrl, upstreamPath, context.Request, endpoint?.ApiVersion),
                credentials, redactor, lease.EndpointId, routing.UpstreamAttempts, startedAt);
            SetRequestBody(context, BodyFor(endpoint, routing));

            // The lease keeper revokes the lease when it cannot renew it: the upstream request stops before the slot is re-granted.
            using var attemptLimit = PooledTimeouts.Rent(requestTimeout.Token);
            var attemptTimeout = attemptLimit.Source;
            using var revocation = router.WatchRevocation(lease, attemptTimeout); // disposed first: before the source is pooled
            var firstTokenTimeout = TimeSpan.FromSeconds(_router.FirstTokenTimeoutSeconds);
            if (routing.Request.Stream) attemptTimeout.CancelAfter(firstTokenTimeout);

            var clientBody = context.Response.Body;
            // Streams: the first byte disarms the first-token timer; the request timeout still applies.
            // The usage filter sits behind the observer: the observer still sees the usage chunk the client does not.
            await using var usageFilter = routing.HideUsageChunk ? new UsageChunkFilter(clientBody, context.Response) : null;
            // Not a stream: the body is held until the relay ended whole, then leaves with the response's end in one send.
            using var observer = routing.Request.Stream
                ? new ResponseObserver((Stream?)usageFilter ?? clientBody, attemptTimeout)
                : new ResponseObserver(clientBody, null, context.Response.BodyWriter);
            context.Response.Body = observer;
            ForwarderError error;
            try
            {
                error = await forwarder.SendAsync(context, baseUrl, upstream.Invoker, upstream.RequestConfig, transformer, attemptTimeout.Token);
                if (usageFilter is not null && error == ForwarderError.None) await usageFilter.FinishAsync(attemptTimeout.Token);
            }
            finally
            {
                context.Response.Body = clientBody;
            }

            var result = Classify(context, error, transformer, attemptTimeout, requestTimeout, redactor, revocation.IsRevoked);
            var latencyMs = Stopwatch.GetElapsedTime(attemptStartedAt).TotalMilliseconds;
            double? ttftMs = observer.FirstByteTimestamp == 0 ? null : Stopwatch.GetElapsedTime(attemptStartedAt, observer.FirstByteTimestamp).TotalMilliseconds;
            var (promptTokens, completionTokens) = result.Kind == OutcomeKind.Success ? UsageScanner.Read(observer.ReadTail()) : (0, 0);
            if (PoisonRequests.IsServerError(result) && ++routing.UpstreamServerErrors >= 2)
            {
                // The same request answered 5xx by a second endpoint: one request's failures count against one
                // endpoint at most (the first could not be told apart), so one client cannot cool a group down.
                result = result with { Kind = OutcomeKind.ClientError };
                routing.RequestAtFault = poison.ServesOthers(lease.EndpointId);
            }
            poison.Observe(lease.EndpointId, result.Kind);
            var outcome = new ReportOutcome(lease.EndpointId, lease.LeaseId, result.Kind, latencyMs,
                routing.Request.Stream ? ttftMs : null, promptTokens, completionTokens, result.Failure?.RetryAfter, transformer.ProviderLimits);
            var relayed = result is { ResponseSent: true, Failure: null, ClientGone: false };
            if (!relayed || !ReleaseOrder.MayFollowResponse(endpoint, result.Kind, outcome.Provider,
                    runtime.Snapshots.Slot(lease.EndpointId).Snapshot))
            {
                router.Report(outcome);
                reported = true;
            }
            // The relayed response ends here, before the telemetry (and before the release where ReleaseOrder allows):
            // its last bytes, all of a held body, go now. A failed attempt's held bytes never reach the client.
            if (relayed)
            {
                try
                {
                    observer.WriteHeld();
                    await context.Response.CompleteAsync();
                }
                finally
                {
                    if (!reported) router.Report(outcome); // with what the attempt measured, whether or not the client took the end
                    reported = true;
                }
            }
            telemetry.AttemptEnded(requestTelemetry, attempt, lease, result.Kind, latencyMs, promptTokens, completionTokens,
                routing.Request.Stream ? observer.FirstByteTimestamp : 0);

            if (result.Failure is not null && !result.ResponseSent)
            {
                // Summary is the redacted text the client would get: no upstream key reaches the log.
                GatewayLog.AttemptFailed(logger, context.TraceIdentifier, routing.UpstreamAttempts, lease.EndpointId, result.Kind.ToString(),
                    result.Failure.Status, result.Failure.Summary);
                ResetResponse(context);
            }
            return result;
        }
        catch when (!reported)
        {
            // Whatever went wrong, the lease goes back now rather than at its expiry.
            router.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Cancelled));
            throw;
        }
    }

    // The results without a failure are the same every time (records are immutable): one instance each.
    private static readonly AttemptResult Succeeded = new(OutcomeKind.Success, true, null);
    private static readonly AttemptResult ClientErrorRelayed = new(OutcomeKind.ClientError, true, null);
    private static readonly AttemptResult ClientLeft = new(OutcomeKind.Cancelled, true, null);

    private static AttemptResult Classify(
        HttpContext context, ForwarderError error, UpstreamTransformer transformer, CancellationTokenSource attemptTimeout, CancellationTokenSource requestTimeout,
        SecretRedactor redactor, bool revoked)
    {
        if (transformer.Failure is { } failure)
            return new AttemptResult(failure.Status == StatusCodes.Status429TooManyRequests ? OutcomeKind.RateLimited : OutcomeKind.ServerError, false, failure, UpstreamAnswered: true);
        if (error == ForwarderError.None)
            return transformer.Status >= 400 ? ClientErrorRelayed : Succeeded;
        if (context.RequestAborted.IsCancellationRequested)
            return ClientLeft;

        var sent = context.Response.HasStarted;
        if (revoked)
            return new AttemptResult(OutcomeKind.Cancelled, sent, new UpstreamFailure(StatusCodes.Status503ServiceUnavailable, TimeSpan.FromSeconds(1),
                "this gateway lost contact with the endpoint's authority and stopped the request"));
        // YARP's activity timeout (RequestTimedOut) only backs up the request timeout: both are a timeout to the client.
        if (attemptTimeout.IsCancellationRequested || requestTimeout.IsCancellationRequested || error == ForwarderError.RequestTimedOut)
        {
            var which = attemptTimeout.IsCancellationRequested && !requestTimeout.IsCancellationRequested ? "first-token timeout" : "request timeout";
            return new AttemptResult(OutcomeKind.Timeout, sent, new UpstreamFailure(StatusCodes.Status504GatewayTimeout, null, $"the upstream hit the {which}"));
        }
        var detail = redactor.Redact(Describe(context.GetForwarderErrorFeature()?.Exception) ?? error.ToString());
        var kind = error is ForwarderError.Request ? OutcomeKind.ConnectError : OutcomeKind.ServerError;
        return new AttemptResult(kind, sent, new UpstreamFailure(StatusCodes.Status502BadGateway, null, $"{error}: {detail}"));
    }

    /// <summary>YARP forwards HttpContext.Request.Body: give each attempt a fresh stream over the bytes already read.</summary>
    private static void SetRequestBody(HttpContext context, ReadOnlyMemory<byte> body)
    {
        var bytes = MemoryMarshal.TryGetArray(body, out var segment) ? segment : new ArraySegment<byte>(body.ToArray());
        context.Request.Body = new MemoryStream(bytes.Array!, bytes.Offset, bytes.Count, writable: false);
        context.Request.ContentLength = bytes.Count;
        // The content type was settled once in HandleAsync (JSON, or the client's multipart type with its boundary).
    }

    private static (OpenAiRequest? Request, string Error) ParseJson(ReadOnlyMemory<byte> body) =>
        OpenAiRequest.TryParse(body.Span, out var request, out var error) ? (request, "") : (null, error);

    /// <summary>Forget what YARP set on the client response for a failed attempt, before the next one.</summary>
    private static void ResetResponse(HttpContext context)
    {
        context.Response.Clear();
        context.Features.Set<IForwarderErrorFeature>(null);
    }

    private static ReadOnlyMemory<byte> BodyFor(EndpointDefinition? endpoint, RoutingAttempts routing)
    {
        var upstreamModel = endpoint?.UpstreamModel;
        if (string.IsNullOrEmpty(upstreamModel) || upstreamModel == routing.Request.Model) return routing.Body;
        if (routing.Format == RequestFormat.Multipart)
            return routing.Request.FormModelAt is { } at ? MultipartRequest.WithModel(routing.Body, at, upstreamModel) : routing.Body;
        // Only endpoints that serve the model under another name pay for a rewrite.
        var json = JsonNode.Parse(routing.Body.Span, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
        json["model"] = upstreamModel;
        return JsonSerializer.SerializeToUtf8Bytes(json);
    }

    /// <summary>
    /// <see cref="UpstreamUrl"/>, built once per endpoint url, path and api-version when the client sent no query (the
    /// usual request): a Uri and its string per attempt were among the gateway's largest allocations.
    /// </summary>
    private Uri UpstreamUri(string baseUrl, string path, HttpRequest request, string? apiVersion)
    {
        if (request.QueryString.HasValue) return UpstreamUrl(baseUrl, path, request, apiVersion);
        var key = (baseUrl, path, apiVersion);
        if (_upstreamUris.TryGetValue(key, out var uri)) return uri;
        uri = UpstreamUrl(baseUrl, path, request, apiVersion);
        // Bounded: urls change only through the admin API; a node that saw this many distinct ones just builds them.
        if (_upstreamUris.Count < MaxCachedUris) _upstreamUris.TryAdd(key, uri);
        return uri;
    }

    /// <summary>
    /// The endpoint's base url + the route's path + the client's query, with the endpoint's api-version (if it has
    /// one) in place of any the client sent: https://r.openai.azure.com/openai/deployments/d + /chat/completions + ?api-version=...
    /// </summary>
    internal static Uri UpstreamUrl(string baseUrl, string path, HttpRequest request, string? apiVersion)
    {
        var query = request.QueryString;
        if (apiVersion is not null)
        {
            query = QueryString.Create(request.Query
                .Where(p => !p.Key.Equals("api-version", StringComparison.OrdinalIgnoreCase))
                .SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string?>(p.Key, v))));
            query = query.Add("api-version", apiVersion);
        }
        return new Uri(baseUrl + path + query);
    }

    /// <summary>An exception and its causes in one line, e.g. "The SSL connection could not be established: ... UntrustedRoot".</summary>
    private static string? Describe(Exception? exception)
    {
        if (exception is null) return null;
        var messages = new List<string>();
        var tls = false;
        for (var e = exception; e is not null; e = e.InnerException)
        {
            tls |= e is System.Security.Authentication.AuthenticationException;
            var message = e.Message.TrimEnd('.');
            if (!messages.Contains(message)) messages.Add(message);
        }
        var text = string.Join(": ", messages);
        return tls
            ? text + ". (The upstream's certificate was not accepted: a private CA's PEM can be named in Router:UpstreamCaBundle; the url's host name must match the certificate.)"
            : text;
    }

    /// <summary>No endpoint served the request: say why, in the status a client can act on.</summary>
    private static Task NoServiceAsync(HttpContext context, RoutingAttempts routing)
    {
        if (routing.LastFailure is { } failure)
        {
            var message = $"All {routing.UpstreamAttempts} upstream attempt(s) for '{routing.Request.Model}' failed; last: HTTP {failure.Status}: {failure.Summary}";
            return failure.Status switch
            {
                StatusCodes.Status429TooManyRequests => OpenAiErrors.WriteAsync(context, 429, message, "rate_limit_exceeded", "rate_limit_exceeded", failure.RetryAfter),
                StatusCodes.Status504GatewayTimeout => OpenAiErrors.WriteAsync(context, 504, message, "timeout", "upstream_timeout"),
                StatusCodes.Status503ServiceUnavailable => OpenAiErrors.WriteAsync(context, 503, message, "service_unavailable", "lease_revoked", failure.RetryAfter),
                _ => OpenAiErrors.WriteAsync(context, 502, message, "upstream_error", "upstream_error"),
            };
        }

        var refusal = routing.Refusals.FirstOrDefault();
        var summary = string.Join(" ", routing.Refusals.Select(r => r.Message));
        return refusal?.Reason switch
        {
            NoEndpointReason.AllAtCapacity or NoEndpointReason.AllRateLimited =>
                OpenAiErrors.WriteAsync(context, 429, summary, "rate_limit_exceeded", "rate_limit_exceeded", refusal.RetryAfter ?? TimeSpan.FromSeconds(1)),
            NoEndpointReason.ContextWindowExceeded => OpenAiErrors.BadRequest(context, summary, "context_length_exceeded"),
            NoEndpointReason.NoMatchingTags => OpenAiErrors.BadRequest(context, summary, "no_matching_endpoint"),
            NoEndpointReason.NoQuorum => OpenAiErrors.WriteAsync(context, 503, summary, "service_unavailable", "gateway_cut_off", refusal.RetryAfter ?? TimeSpan.FromSeconds(1)),
            _ => OpenAiErrors.WriteAsync(context, 503, summary, "service_unavailable", "no_endpoint_available", refusal?.RetryAfter),
        };
    }

    /// <summary>
    /// Two endpoints answered this request 5xx: it is not retried further (one client must not cool a group down);
    /// the client gets the upstream's status and error.
    /// </summary>
    private Task RequestAtFaultAsync(HttpContext context, RoutingAttempts routing)
    {
        stats.For(routing.Request.Model).Failed();
        var failure = routing.LastFailure!;
        GatewayLog.RequestAtFault(logger, context.TraceIdentifier, routing.UpstreamServerErrors, failure.Summary);
        return OpenAiErrors.WriteAsync(context, failure.Status,
            $"The upstream answered HTTP {failure.Status} on {routing.UpstreamServerErrors} endpoints for this request, so it was not retried further " +
            $"(the request itself seems to cause the failure). Last upstream error: {failure.Summary}",
            "upstream_error", "upstream_error");
    }
}
