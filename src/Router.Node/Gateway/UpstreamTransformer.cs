using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Primitives;
using Router.Messages.Routing;
using Yarp.ReverseProxy.Forwarder;

namespace Router.Node.Gateway;

/// <summary>A retryable upstream answer (429 or 5xx) that was kept from the client.</summary>
internal sealed record UpstreamFailure(int Status, TimeSpan? RetryAfter, string Summary);

/// <summary>
/// Shapes one upstream attempt for YARP: the endpoint's url (with its own Host), its credentials in place of the
/// client's, the x-router headers. (The body is set on HttpContext.Request by the caller: YARP streams it from there.)
/// A 429 or 5xx answer is held back (YARP is told not to copy it) so the gateway can try another endpoint before the
/// client has seen a byte. A 4xx answer is relayed with every configured secret masked; success bodies are streamed
/// untouched. The provider's rate-limit headers are read from every answer.
/// </summary>
internal sealed class UpstreamTransformer(
    Uri target,
    UpstreamCredentials credentials,
    SecretRedactor redactor,
    string endpointId,
    int attempt,
    long requestStartedAt) : HttpTransformer
{
    private const int SummaryLimit = 512;

    /// <summary>Largest upstream error body relayed (after masking secrets); a larger one is replaced by a gateway error.</summary>
    internal const int RelayedErrorLimit = 1024 * 1024;

    private double _overheadMs;

    /// <summary>Set when the upstream answered 429 or 5xx; the client's response is then untouched.</summary>
    public UpstreamFailure? Failure { get; private set; }

    /// <summary>Status the upstream answered with, when it answered.</summary>
    public int? Status { get; private set; }

    /// <summary>The provider's x-ratelimit-* figures on its answer, if it sent any.</summary>
    public ProviderRateLimits? ProviderLimits { get; private set; }

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        proxyRequest.RequestUri = target;
        // The base transformer copied the client's Host; the upstream gets its own authority (TLS checks its name against it).
        proxyRequest.Headers.Host = null;
        // The client's credentials were for this gateway; the upstream gets its own (or none).
        credentials.Apply(proxyRequest);
        // Plain bytes back, so the usage at the end of the response can be read (and error bodies scanned).
        proxyRequest.Headers.AcceptEncoding.Clear();
        // What the gateway added before the upstream saw the request: parsing, routing, earlier attempts.
        _overheadMs = Stopwatch.GetElapsedTime(requestStartedAt).TotalMilliseconds;
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is null) return await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        var status = (int)proxyResponse.StatusCode;
        Status = status;
        ProviderLimits = ProviderSignals.Read(proxyResponse.Headers);
        if (status == StatusCodes.Status429TooManyRequests || status >= 500)
        {
            Failure = new UpstreamFailure(status, RetryAfterOf(proxyResponse), await SummaryOf(proxyResponse, redactor, cancellationToken));
            return false;
        }

        await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        var headers = httpContext.Response.Headers;
        if (!redactor.IsEmpty) RedactHeaders(headers);
        headers["x-router-endpoint"] = endpointId;
        headers["x-router-attempts"] = attempt.ToString(CultureInfo.InvariantCulture);
        // Rounded, then in its shortest form: what "0.###" gives, without parsing a custom format per response.
        headers["x-router-overhead-ms"] = Math.Round(_overheadMs, 3, MidpointRounding.AwayFromZero).ToString(CultureInfo.InvariantCulture);
        // Success is streamed as it comes, never buffered; so is an error of an endpoint with no secret to mask.
        if (status < 400 || redactor.IsEmpty) return true;

        // A 4xx body is relayed to the client: read it (bounded), mask secrets, write it ourselves.
        await RelayErrorBodyAsync(httpContext, proxyResponse, cancellationToken);
        return false;
    }

    private async Task RelayErrorBodyAsync(HttpContext httpContext, HttpResponseMessage proxyResponse, CancellationToken cancellationToken)
    {
        var (body, complete) = await ReadBoundedAsync(proxyResponse.Content, RelayedErrorLimit, cancellationToken);
        var response = httpContext.Response;
        if (!complete)
        {
            body = System.Text.Encoding.UTF8.GetBytes(
                $"{{\"error\":{{\"message\":\"The upstream answered HTTP {Status} with a body larger than {RelayedErrorLimit} bytes; it is not relayed.\",\"type\":\"upstream_error\",\"code\":\"upstream_error_body_too_large\"}}}}");
            response.ContentType = "application/json";
        }
        else
        {
            body = redactor.Redact(body);
        }
        response.Headers.Remove("Content-Encoding");
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, cancellationToken);
    }

    private void RedactHeaders(IHeaderDictionary headers)
    {
        List<KeyValuePair<string, StringValues>>? changed = null;
        foreach (var (name, values) in headers)
        {
            var text = values.ToString();
            var masked = redactor.Redact(text);
            if (!ReferenceEquals(masked, text) && masked != text) (changed ??= []).Add(new(name, masked));
        }
        if (changed is null) return;
        foreach (var (name, value) in changed) headers[name] = value;
    }

    private static async Task<(byte[] Body, bool Complete)> ReadBoundedAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            using var collected = new MemoryStream();
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (collected.Length + read > limit) return ([], false);
                collected.Write(buffer, 0, read);
            }
            return (collected.ToArray(), true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta) return delta;
        if (retryAfter?.Date is { } date) return date - DateTimeOffset.UtcNow;
        return null;
    }

    /// <summary>The start of an upstream error body for messages and logs, with every configured secret masked.</summary>
    internal static async Task<string> SummaryOf(HttpResponseMessage response, SecretRedactor redactor, CancellationToken cancellationToken)
    {
        try
        {
            var (body, complete) = await ReadBoundedAsync(response.Content, RelayedErrorLimit, cancellationToken);
            if (!complete) return "(body larger than 1 MiB)";
            var text = redactor.Redact(System.Text.Encoding.UTF8.GetString(body)).ReplaceLineEndings(" ").Trim();
            return text.Length > SummaryLimit ? text[..SummaryLimit] + "..." : text;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            return "(no body)";
        }
    }
}
