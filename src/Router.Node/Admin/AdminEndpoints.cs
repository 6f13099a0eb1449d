using System.Text.Json;
using Akka.Actor;
using Router.AdminApi;

namespace Router.Node.Admin;

/// <summary>
/// The HTTP admin API (the contract is in Router.AdminApi; <see cref="AdminDtoMapping"/> maps its DTOs to wire records): a thin JSON layer over
/// <see cref="AdminCommands"/>, served only on the admin listener and only with the admin token.
/// </summary>
internal static class AdminEndpoints
{
    /// <summary>The admin API's JSON (<see cref="AdminApiJson.Options"/>), which routerctl reads with the same options.</summary>
    public static readonly JsonSerializerOptions Json = AdminApiJson.Options;

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").AddEndpointFilter<AdminTokenFilter>().AddEndpointFilter(TranslateErrors);

        admin.MapGet("/cluster", (AdminCommands c) => c.ClusterState());
        admin.MapPost("/cluster/leave", async (AdminCommands c, HttpContext h) => c.Leave((await ReadOptional<AddressRequest>(h))?.Address));
        admin.MapPost("/cluster/down", async (AdminCommands c, HttpContext h) => c.Down((await ReadOptional<AddressRequest>(h))?.Address));
        admin.MapPost("/cluster/down-unreachable", (AdminCommands c) => c.DownUnreachable());
        admin.MapPost("/cluster/join", async (AdminCommands c, HttpContext h) => c.Join((await ReadOptional<AddressRequest>(h))?.Address));
        admin.MapGet("/cluster/events", StreamMemberEvents);

        admin.MapGet("/sharding", (AdminCommands c) => c.Sharding());

        admin.MapGet("/router/groups", (AdminCommands c) => c.Groups());
        // A group name may hold '/' (org/model-7b), sent as %2F, which routing leaves encoded; names never hold '%'.
        admin.MapPut("/router/groups/{group}/strategy", async (AdminCommands c, HttpContext h, string group) =>
            await c.SetStrategy(Uri.UnescapeDataString(group), await ReadOptional<StrategyRequest>(h)));
        admin.MapGet("/router/endpoints", (AdminCommands c, string? group) => c.Endpoints(group));
        admin.MapGet("/router/endpoints/{id}", (AdminCommands c, string id) => c.Endpoint(id));
        admin.MapPost("/router/endpoints", async (AdminCommands c, HttpContext h) => await c.AddEndpoint(await ReadOptional<EndpointDefinitionDto>(h)));
        admin.MapPatch("/router/endpoints/{id}", async (AdminCommands c, HttpContext h, string id) => await c.UpdateEndpoint(id, await ReadOptional<UpdateEndpointRequest>(h)));
        admin.MapDelete("/router/endpoints/{id}", (AdminCommands c, string id) => c.RemoveEndpoint(id));
        admin.MapPost("/router/endpoints/{id}/drain", (AdminCommands c, string id) => c.Drain(id));
        admin.MapPost("/router/endpoints/{id}/undrain", (AdminCommands c, string id) => c.Undrain(id));
        admin.MapGet("/router/stats", (AdminCommands c) => c.Stats());
        return app;
    }

    /// <summary>Newline-delimited JSON, one membership event per line, flushed as it happens.</summary>
    private static async Task StreamMemberEvents(AdminCommands commands, HttpContext context)
    {
        context.Response.ContentType = "application/x-ndjson";
        var options = Json;
        try
        {
            await foreach (var e in commands.MemberEvents(context.RequestAborted))
            {
                await context.Response.WriteAsync(JsonSerializer.Serialize(e, options) + "\n", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The admin pressed Ctrl-C.
        }
    }

    private static async Task<T?> ReadOptional<T>(HttpContext context) where T : class
    {
        if (context.Request.ContentLength is 0 || (context.Request.ContentLength is null && !context.Request.Headers.ContainsKey("Transfer-Encoding"))) return null;
        var options = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(context.Request.Body, options, context.RequestAborted);
        }
        catch (JsonException e)
        {
            throw AdminException.BadRequest($"the request body is not valid JSON for {ContractName(typeof(T))}: {e.Message}");
        }
    }

    /// <summary>A request body type's name in error messages: without the DTO suffix (EndpointDefinition), as admins have always seen it.</summary>
    private static string ContractName(Type type) => type.Name.EndsWith("Dto", StringComparison.Ordinal) ? type.Name[..^3] : type.Name;

    private static async ValueTask<object?> TranslateErrors(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            // Answers are written with the admin options (readable quotes), not the app-wide ones the gateway uses.
            var result = await next(context);
            return result is null or IResult ? result : Results.Json(result, Json);
        }
        catch (AdminException e)
        {
            return Results.Json(new AdminError(e.Message), Json, statusCode: e.Status);
        }
        catch (AskTimeoutException)
        {
            return Results.Json(new AdminError("the cluster did not answer in time; is the registry singleton or the endpoint's node reachable?"),
                Json, statusCode: StatusCodes.Status504GatewayTimeout);
        }
    }
}
