using System.Globalization;
using System.Text.Json;

namespace Router.Node.Gateway;

/// <summary>Errors in OpenAI's shape: {"error":{"message","type","param","code"}}, so SDKs surface them properly.</summary>
internal static class OpenAiErrors
{
    public static Task WriteAsync(HttpContext context, int status, string message, string type, string? code = null, TimeSpan? retryAfter = null)
    {
        var response = context.Response;
        if (response.HasStarted) return Task.CompletedTask; // a stream already began: nothing honest to add
        response.Clear();
        response.StatusCode = status;
        if (retryAfter is { } wait)
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        response.ContentType = "application/json";
        return response.WriteAsync(JsonSerializer.Serialize(new ErrorEnvelope(new ErrorBody(message, type, null, code)), GatewayJsonContext.Default.ErrorEnvelope));
    }

    public static Task BadRequest(HttpContext context, string message, string? code = null) =>
        WriteAsync(context, StatusCodes.Status400BadRequest, message, "invalid_request_error", code);

    public static Task ModelNotFound(HttpContext context, string model) =>
        WriteAsync(context, StatusCodes.Status404NotFound,
            $"The model '{model}' does not exist on this gateway. GET /v1/models lists the models it serves.",
            "invalid_request_error", "model_not_found");

    public static Task Unauthorized(HttpContext context) =>
        WriteAsync(context, StatusCodes.Status401Unauthorized,
            "Missing or invalid API key. Send 'Authorization: Bearer <key>' with a key configured under Gateway:ApiKeys.",
            "invalid_request_error", "invalid_api_key");

    public static Task BodyTooLarge(HttpContext context, long limit) =>
        WriteAsync(context, StatusCodes.Status413PayloadTooLarge,
            $"The request body exceeds this gateway's limit of {limit} bytes (Gateway:MaxRequestBodyBytes).",
            "invalid_request_error", "request_too_large");
}

internal sealed record ErrorEnvelope(ErrorBody Error);

internal sealed record ErrorBody(string Message, string Type, string? Param, string? Code);
