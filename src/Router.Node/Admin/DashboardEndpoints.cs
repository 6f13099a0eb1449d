using System.Reflection;
using Router.Actors.Hosting;
using Router.AdminApi;
using Router.Node.Configuration;

namespace Router.Node.Admin;

/// <summary>
/// The live dashboard on the admin listener: a static page (/dashboard, its script and stylesheet, embedded in this
/// assembly: the machines may be offline) that polls <c>GET /admin/dashboard/data</c> with the admin token. The page
/// carries no data and no token; everything it shows comes from the data call, which needs the token like the rest of
/// the admin API.
/// </summary>
internal static class DashboardEndpoints
{
    /// <summary>The dashboard may not wait for a silent node longer than its refresh interval allows.</summary>
    private static readonly TimeSpan DataDeadline = TimeSpan.FromSeconds(1);

    private static readonly Dictionary<string, (string Resource, string ContentType)> Assets = new(StringComparer.Ordinal)
    {
        ["/dashboard"] = ("index.html", "text/html; charset=utf-8"),
        ["/dashboard/"] = ("index.html", "text/html; charset=utf-8"),
        ["/dashboard/dashboard.js"] = ("dashboard.js", "text/javascript; charset=utf-8"),
        ["/dashboard/dashboard.css"] = ("dashboard.css", "text/css; charset=utf-8"),
    };

    private static readonly Dictionary<string, byte[]> Contents = LoadAssets();

    /// <summary>Serves the page's files on the admin listener (only there: on the gateway port /dashboard stays a 404).</summary>
    public static Task ServePage(HttpContext context, RequestDelegate next)
    {
        if (!Listeners.IsAdminConnection(context) || !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method)
            || !Assets.TryGetValue(context.Request.Path.Value ?? "", out var asset))
            return next(context);
        var response = context.Response;
        response.ContentType = asset.ContentType;
        response.Headers.CacheControl = "no-store";
        // Only this node's own files and its admin API: no inline script, no other origin, not framed by another page.
        response.Headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        var bytes = Contents[asset.Resource];
        response.ContentLength = bytes.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
    }

    /// <summary>GET /admin/dashboard/data: one call per refresh, built from the same commands as the rest of the admin API.</summary>
    public static IEndpointRouteBuilder MapDashboardData(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/admin/dashboard").AddEndpointFilter<AdminTokenFilter>()
            .MapGet("/data", (AdminCommands commands, RouterRuntime runtime) => CollectAsync(commands, runtime));
        return app;
    }

    internal static async Task<DashboardData> CollectAsync(AdminCommands commands, RouterRuntime runtime)
    {
        var stats = commands.Stats(DataDeadline);
        // Each endpoint's own actor answers with its exact state; one that cannot in time (its node is unreachable, a shard
        // is moving) is shown from this node's pushed snapshots, marked.
        var endpoints = await commands.Endpoints(null, DataDeadline);
        var cached = endpoints.Any(e => e.Freshness != EndpointFreshness.Live);
        return new DashboardData(DateTimeOffset.UtcNow, commands.ClusterState(), commands.Groups(), endpoints, await stats, cached);
    }

    private static Dictionary<string, byte[]> LoadAssets()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var contents = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (resource, _) in Assets.Values.Distinct())
        {
            using var stream = assembly.GetManifestResourceStream("Router.Node.Dashboard." + resource)
                               ?? throw new InvalidOperationException($"the dashboard asset {resource} is not embedded in {assembly.GetName().Name}");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            contents[resource] = copy.ToArray();
        }
        return contents;
    }
}
