using System.Text.Json;
using Router.Actors.Hosting;

namespace Router.Node.Gateway;

/// <summary>Maps the OpenAI-compatible API: chat, completions, embeddings (forwarded) and the model list.</summary>
internal static class GatewayEndpoints
{
    public static IEndpointRouteBuilder MapOpenAiGateway(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/chat/completions", (HttpContext c, GatewayRequestHandler h, ClientApiKeys k) => Forward(c, h, k, "/chat/completions"));
        app.MapPost("/v1/completions", (HttpContext c, GatewayRequestHandler h, ClientApiKeys k) => Forward(c, h, k, "/completions"));
        app.MapPost("/v1/embeddings", (HttpContext c, GatewayRequestHandler h, ClientApiKeys k) => Forward(c, h, k, "/embeddings"));
        app.MapGet("/v1/models", (HttpContext c, RouterRuntime runtime, ClientApiKeys k) => ListModels(c, runtime, k));
        return app;
    }

    private static Task Forward(HttpContext context, GatewayRequestHandler handler, ClientApiKeys keys, string upstreamPath) =>
        keys.Allows(context) ? handler.HandleAsync(context, upstreamPath) : OpenAiErrors.Unauthorized(context);

    private static Task ListModels(HttpContext context, RouterRuntime runtime, ClientApiKeys keys)
    {
        if (!keys.Allows(context)) return OpenAiErrors.Unauthorized(context);
        var models = runtime.Directory.Current.Groups.Keys.Order(StringComparer.Ordinal)
            .Select(name => new ModelEntry(name, "model", 0, "llm-router"))
            .ToList();
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new ModelList("list", models), GatewayJsonContext.Default.ModelList));
    }
}
