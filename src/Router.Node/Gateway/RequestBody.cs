using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.Features;

namespace Router.Node.Gateway;

/// <summary>Reads a request body whole, up to the configured limit; answers 413 itself when it is larger.</summary>
internal static class RequestBody
{
    /// <returns>The body, or null when it could not be read and this already answered (or the client is gone).</returns>
    /// <remarks>A body already received completes without allocating; one still arriving takes a pooled state machine.</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<ReadOnlyMemory<byte>?> ReadAsync(HttpContext context, long limit, ILogger logger)
    {
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false }) sizeFeature.MaxRequestBodySize = limit;
        if (context.Request.ContentLength > limit)
        {
            await OpenAiErrors.BodyTooLarge(context, limit);
            return null;
        }
        try
        {
            if (context.Request.ContentLength is { } length)
            {
                // The usual request says its length: read into an array of that size (no MemoryStream, no copy loop task).
                var bytes = new byte[length];
                var read = 0;
                int n;
                while (read < bytes.Length && (n = await context.Request.Body.ReadAsync(bytes.AsMemory(read), context.RequestAborted)) > 0) read += n;
                return bytes.AsMemory(0, read);
            }
            using var buffer = new MemoryStream(4096);
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await OpenAiErrors.BodyTooLarge(context, limit);
            return null;
        }
        catch (BadHttpRequestException e)
        {
            // Too slow (Kestrel's minimum data rate), cut short, or badly chunked: the client's doing, one line, no trace.
            GatewayLog.BodyNotRead(logger, context.TraceIdentifier, e.Message, e.StatusCode);
            await TryAnswerAsync(context, e.StatusCode, e.Message);
            return null;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            GatewayLog.BodyNotRead(logger, context.TraceIdentifier, "the client went away while sending it", StatusCodes.Status499ClientClosedRequest);
            return null;
        }
    }

    /// <summary>
    /// <paramref name="body"/> with its <paramref name="length"/> bytes at <paramref name="at"/> replaced by
    /// <paramref name="insert"/>; every other byte is the client's. (The include_usage edit and a form's model field.)
    /// </summary>
    public static byte[] Splice(ReadOnlySpan<byte> body, int at, int length, ReadOnlySpan<byte> insert)
    {
        var result = new byte[body.Length - length + insert.Length];
        body[..at].CopyTo(result);
        insert.CopyTo(result.AsSpan(at));
        body[(at + length)..].CopyTo(result.AsSpan(at + insert.Length));
        return result;
    }

    /// <summary>Kestrel may already have closed the connection (a slow body): then there is nobody to answer.</summary>
    private static async Task TryAnswerAsync(HttpContext context, int status, string message)
    {
        if (context.RequestAborted.IsCancellationRequested || context.Response.HasStarted) return;
        try
        {
            await OpenAiErrors.WriteAsync(context, status, message, "invalid_request_error", "request_body_unreadable");
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The connection went down under us; the log line above already says why.
        }
    }
}
