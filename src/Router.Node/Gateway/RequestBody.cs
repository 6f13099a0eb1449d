using Microsoft.AspNetCore.Http.Features;

namespace Router.Node.Gateway;

/// <summary>Reads a request body whole, up to the configured limit; answers 413 itself when it is larger.</summary>
internal static class RequestBody
{
    public static async Task<ReadOnlyMemory<byte>?> ReadAsync(HttpContext context, long limit)
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
            using var buffer = new MemoryStream(context.Request.ContentLength is { } length ? (int)length : 4096);
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await OpenAiErrors.BodyTooLarge(context, limit);
            return null;
        }
    }
}
