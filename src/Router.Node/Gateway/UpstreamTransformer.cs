using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

namespace Router.Node.Gateway;

/// <summary>A retryable upstream answer (429 or 5xx) that was kept from the client.</summary>
internal sealed record UpstreamFailure(int Status, TimeSpan? RetryAfter, string Summary);

/// <summary>
/// Shapes one upstream attempt for YARP: the endpoint's url, its API key in place of the client's, the
/// x-router headers. (The body is set on HttpContext.Request by the caller: YARP streams it from there.) A 429 or 5xx answer is held back (YARP is told not
/// to copy it) so the gateway can try another endpoint before the client has seen a byte.
/// </summary>
internal sealed class UpstreamTransformer(
    Uri target,
    string? apiKey,
    string endpointId,
    int attempt,
    long requestStartedAt) : HttpTransformer
{
    private const int SummaryLimit = 512;
    private double _overheadMs;

    /// <summary>Set when the upstream answered 429 or 5xx; the client's response is then untouched.</summary>
    public UpstreamFailure? Failure { get; private set; }

    /// <summary>Status the upstream answered with, when it answered.</summary>
    public int? Status { get; private set; }

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        proxyRequest.RequestUri = target;
        // The client's key was for this gateway; the upstream gets its own (or none).
        proxyRequest.Headers.Authorization = apiKey is null ? null : new AuthenticationHeaderValue("Bearer", apiKey);
        // Plain bytes back, so the usage at the end of the response can be read.
        proxyRequest.Headers.AcceptEncoding.Clear();
        // What the gateway added before the upstream saw the request: parsing, routing, earlier attempts.
        _overheadMs = Stopwatch.GetElapsedTime(requestStartedAt).TotalMilliseconds;
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is null) return await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        var status = (int)proxyResponse.StatusCode;
        Status = status;
        if (status == StatusCodes.Status429TooManyRequests || status >= 500)
        {
            Failure = new UpstreamFailure(status, RetryAfterOf(proxyResponse), await SummaryOf(proxyResponse, cancellationToken));
            return false;
        }

        await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        var headers = httpContext.Response.Headers;
        headers["x-router-endpoint"] = endpointId;
        headers["x-router-attempts"] = attempt.ToString(CultureInfo.InvariantCulture);
        headers["x-router-overhead-ms"] = _overheadMs.ToString("0.###", CultureInfo.InvariantCulture);
        return true;
    }

    private static TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta) return delta;
        if (retryAfter?.Date is { } date) return date - DateTimeOffset.UtcNow;
        return null;
    }

    private static async Task<string> SummaryOf(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            text = text.ReplaceLineEndings(" ").Trim();
            return text.Length > SummaryLimit ? text[..SummaryLimit] + "..." : text;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            return "(no body)";
        }
    }
}
