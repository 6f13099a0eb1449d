using System.Text.Json;
using Router.Actors.Hosting;

namespace Router.Node.Gateway;

/// <summary>
/// Maps the OpenAI-compatible API: every model-bearing POST is routed by its model like chat (JSON bodies, or
/// multipart forms for audio transcription/translation), plus the model list and model lookup. Anything else
/// answers an OpenAI-shaped 404/405 (<see cref="OpenAiStatusErrors"/>).
/// </summary>
internal static class GatewayEndpoints
{
    /// <summary>The routes routed by model, as "client path → path appended to the endpoint's base URL".</summary>
    internal static readonly IReadOnlyList<(string Path, RequestFormat Format)> ModelRoutes =
    [
        ("/chat/completions", RequestFormat.Json),
        ("/completions", RequestFormat.Json),
        ("/embeddings", RequestFormat.Json),
        ("/responses", RequestFormat.Json),
        ("/moderations", RequestFormat.Json),
        ("/images/generations", RequestFormat.Json),
        ("/audio/speech", RequestFormat.Json),
        ("/audio/transcriptions", RequestFormat.Multipart),
        ("/audio/translations", RequestFormat.Multipart),
    ];

    public static IEndpointRouteBuilder MapOpenAiGateway(this IEndpointRouteBuilder app)
    {
        // Both are singletons, resolved from the root provider at the first request (the handler needs the actor system,
        // which starts after routes are mapped; PublicationOnly: a request before it has started fails alone, the next
        // resolves again). A minimal-API parameter bound from services would open a DI scope for every request (a scope,
        // its dictionary and a feature, disposed at the end) and build the delegate from expression trees; a plain
        // RequestDelegate does neither.
        var services = app.ServiceProvider;
        var handler = new Lazy<GatewayRequestHandler>(services.GetRequiredService<GatewayRequestHandler>, LazyThreadSafetyMode.PublicationOnly);
        var keys = new Lazy<ClientApiKeys>(services.GetRequiredService<ClientApiKeys>, LazyThreadSafetyMode.PublicationOnly);
        foreach (var (path, format) in ModelRoutes)
            app.MapPost("/v1" + path, (RequestDelegate)(context => Forward(context, handler.Value, keys.Value, path, format)))
                .WithMetadata(OpenAiStatusErrors.OwnErrors, ExpectedFailures.CaughtByRoute);
        app.MapGet("/v1/models", (HttpContext c, RouterRuntime runtime, ClientApiKeys k) => ListModels(c, runtime, k))
            .WithMetadata(OpenAiStatusErrors.OwnErrors);
        // Catch-all: model names such as "meta-llama/Llama-3.1-8B" have slashes.
        app.MapGet("/v1/models/{**id}", (HttpContext c, string id, RouterRuntime runtime, ClientApiKeys k) => GetModel(c, id, runtime, k))
            .WithMetadata(OpenAiStatusErrors.OwnErrors);
        return app;
    }

    private static Task Forward(HttpContext context, GatewayRequestHandler handler, ClientApiKeys keys, string upstreamPath, RequestFormat format) =>
        keys.Allows(context) ? handler.HandleAsync(context, upstreamPath, format).AsTask() : OpenAiErrors.Unauthorized(context);

    private static Task ListModels(HttpContext context, RouterRuntime runtime, ClientApiKeys keys)
    {
        if (!keys.Allows(context)) return OpenAiErrors.Unauthorized(context);
        var models = runtime.Directory.Current.Groups.Keys.Order(StringComparer.Ordinal)
            .Select(ModelEntry.Of)
            .ToList();
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new ModelList("list", models), GatewayJsonContext.Default.ModelList));
    }

    /// <summary>GET /v1/models/{id}: the model object (what the SDKs' models.retrieve reads), or an OpenAI 404.</summary>
    private static Task GetModel(HttpContext context, string id, RouterRuntime runtime, ClientApiKeys keys)
    {
        if (!keys.Allows(context)) return OpenAiErrors.Unauthorized(context);
        id = Uri.UnescapeDataString(id); // routing leaves an encoded slash (%2F) encoded
        if (!runtime.Directory.Current.Groups.ContainsKey(id)) return OpenAiErrors.ModelNotFound(context, id);
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(ModelEntry.Of(id), GatewayJsonContext.Default.ModelEntry));
    }
}

/// <summary>How a route's body names its model.</summary>
internal enum RequestFormat
{
    /// <summary>A JSON object with a "model" member.</summary>
    Json,
    /// <summary>multipart/form-data with a "model" field (audio transcription and translation); forwarded byte for byte.</summary>
    Multipart,
}

/// <summary>
/// Routing answers an unknown path 404 and a known path with the wrong method 405, both with an empty body;
/// OpenAI clients expect {"error":{...}} with every error status, so this middleware fills such a body in.
/// </summary>
internal static class OpenAiStatusErrors
{
    /// <summary>Marks a route that writes its own OpenAI errors: its requests skip the fill-in (and its await per request).</summary>
    public static readonly WritesOwnErrors OwnErrors = new();

    public sealed class WritesOwnErrors;

    /// <summary>Whether routing matched a route marked <see cref="OwnErrors"/> (not an unknown path, nor a wrong method).</summary>
    public static bool AnswersItsOwnErrors(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<WritesOwnErrors>() is not null;

    public static async Task FillEmptyErrors(HttpContext context, RequestDelegate next)
    {
        await next(context);
        var response = context.Response;
        if (response.HasStarted || response.ContentLength > 0 || response.ContentType is not null) return;
        switch (response.StatusCode)
        {
            case StatusCodes.Status404NotFound:
                await NotFound(context);
                break;
            case StatusCodes.Status405MethodNotAllowed:
                // Written here rather than by OpenAiErrors.WriteAsync, which clears the headers: Allow says what to use.
                var allow = response.Headers.Allow.ToString();
                var message = $"{context.Request.Method} is not allowed on {context.Request.Path}" + (allow.Length > 0 ? $"; use {allow}." : ".");
                response.ContentType = "application/json";
                await response.WriteAsync(JsonSerializer.Serialize(
                    new ErrorEnvelope(new ErrorBody(message, "invalid_request_error", null, "method_not_allowed")), GatewayJsonContext.Default.ErrorEnvelope));
                break;
        }
    }

    public static Task NotFound(HttpContext context) =>
        OpenAiErrors.WriteAsync(context, StatusCodes.Status404NotFound,
            $"Unknown request URL: {context.Request.Method} {context.Request.Path}. Routes served: GET /v1/models, GET /v1/models/{{id}}, POST " +
            string.Join(", POST ", GatewayEndpoints.ModelRoutes.Select(r => "/v1" + r.Path)) + ".",
            "invalid_request_error", "unknown_url");
}
