using Router.AdminApi;
using static Router.Cli.Define;

namespace Router.Cli.Palettes;

/// <summary><c>router</c>: model groups, endpoints and routing statistics.</summary>
internal static class RouterPalette
{
    private const string Endpoints = "/admin/router/endpoints";

    private static readonly CommandArgument Id = Arg("id", "endpoint id");

    private static readonly CommandOption[] LimitOptions =
    [
        Option("max-in-flight", "n", "cluster-wide cap on concurrent requests"),
        Option("rpm", "n", "requests per minute"),
        Option("tpm", "n", "tokens per minute"),
    ];

    public static Palette Create() => new("router", "model groups, endpoints and routing statistics",
    [
        new("router", "groups", "model groups: strategy, fallbacks, endpoint count", [], [], ctx => ctx.QueryAsync<GroupView[]>("/admin/router/groups", WriteGroups)),
        new("router", "endpoints", "endpoints with their live state (all groups, or one)",
            [OptionalArg("group", "only this model group")], [],
            ctx => ctx.QueryAsync<EndpointView[]>(ctx.Argument("group") is { } group ? $"{Endpoints}?group={Uri.EscapeDataString(group)}" : Endpoints,
                (views, o) => WriteEndpoints(views, o, ctx.Argument("group")))),
        new("router", "endpoint show", "one endpoint's settings and live state", [Id], [],
            ctx => ctx.QueryAsync<EndpointView>(EndpointPath(ctx), WriteEndpoint)),
        new("router", "endpoint add", "register an endpoint in a model group",
            [Arg("group", "model group, e.g. gpt-4o"), Id, Arg("url", "OpenAI-style API base, e.g. https://host/v1")],
            [
                Option("weight", "n", "weight for weighted strategies (default 1)"),
                .. LimitOptions,
                Option("order", "n", "priority tier; lower tiers are used first (default 0)"),
                Option("tags", "a,b", "comma-separated tags"),
                Option("api-key-env", "NAME", "environment variable holding the upstream API key"),
                Option("auth", "style", "how the key is sent: bearer (default), api-key (Azure) or none"),
                Option("api-version", "v", "api-version query parameter sent upstream (Azure classic deployment urls)"),
                Option("header-env", "H=VAR,...", "extra upstream headers, each from an environment variable"),
                Option("upstream-model", "m", "model name sent upstream (default: the client's)"),
                Option("context-window", "n", "largest prompt in tokens"),
                Option("input-cost", "x", "cost per 1K input tokens"),
                Option("output-cost", "x", "cost per 1K output tokens"),
            ],
            AddAsync),
        new("router", "endpoint remove", "remove an endpoint", [Id], [],
            ctx => ctx.CommandAsync(HttpMethod.Delete, EndpointPath(ctx))),
        new("router", "endpoint drain", "stop sending new requests to an endpoint (leases out finish)", [Id], [],
            ctx => ctx.CommandAsync(HttpMethod.Post, EndpointPath(ctx) + "/drain")),
        new("router", "endpoint undrain", "send requests to a drained endpoint again", [Id], [],
            ctx => ctx.CommandAsync(HttpMethod.Post, EndpointPath(ctx) + "/undrain")),
        new("router", "endpoint weight", "change an endpoint's weight", [Id, Arg("weight", "new weight (integer)")], [],
            ctx => ctx.CommandAsync(HttpMethod.Patch, EndpointPath(ctx), new UpdateEndpointRequest(Weight: ctx.IntArgument("weight")))),
        new("router", "endpoint limits", "change an endpoint's in-flight cap, rpm or tpm", [Id], LimitOptions, LimitsAsync),
        new("router", "group strategy", "change a model group's routing strategy",
            [Arg("group", "model group"), Arg("strategy", "round-robin, weighted, weighted-random, least-busy, latency, power-of-two, usage, cost, session-affinity or a custom one")], [],
            ctx => ctx.CommandAsync(HttpMethod.Put, $"/admin/router/groups/{Format.Segment(ctx.RequiredArgument("group"))}/strategy",
                new StrategyRequest(ctx.RequiredArgument("strategy")))),
        new("router", "stats", "requests, errors, retries and fallbacks per model group, summed over every gateway node, and per node", [], [],
            ctx => ctx.QueryAsync<ClusterStatsView>("/admin/router/stats", WriteStats)),
    ]);

    private static string EndpointPath(CommandContext ctx) => $"{Endpoints}/{Format.Segment(ctx.RequiredArgument("id"))}";

    private static Task<int> AddAsync(CommandContext ctx)
    {
        var group = ctx.RequiredArgument("group");
        var id = ctx.RequiredArgument("id");
        var url = ctx.RequiredArgument("url");
        if (!Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            throw new UsageException($"<url> must be an absolute URL such as https://host/v1, got '{url}'", ctx.Command);
        }

        var definition = new EndpointDefinitionDto(
            Id: id,
            ModelGroup: group,
            Url: url,
            ApiKeyEnv: ctx.Option("api-key-env"),
            UpstreamModel: ctx.Option("upstream-model"),
            Weight: ctx.IntOption("weight") ?? 1,
            MaxInFlight: ctx.IntOption("max-in-flight"),
            Rpm: ctx.IntOption("rpm"),
            Tpm: ctx.LongOption("tpm"),
            Order: ctx.IntOption("order") ?? 0,
            Tags: ctx.ListOption("tags"),
            ContextWindow: ctx.IntOption("context-window"),
            InputCostPer1KTokens: ctx.DoubleOption("input-cost") ?? 0,
            OutputCostPer1KTokens: ctx.DoubleOption("output-cost") ?? 0,
            Auth: ctx.Option("auth"),
            ApiVersion: ctx.Option("api-version"),
            HeadersFromEnv: HeaderEnvs(ctx));
        return ctx.CommandAsync(HttpMethod.Post, Endpoints, definition);
    }

    /// <summary>--header-env OpenAI-Organization=OPENAI_ORG,x-tenant=TENANT: header name to environment variable.</summary>
    private static Dictionary<string, string>? HeaderEnvs(CommandContext ctx)
    {
        if (ctx.ListOption("header-env") is not { Count: > 0 } pairs) return null;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in pairs)
        {
            var at = pair.IndexOf('=');
            if (at <= 0 || at == pair.Length - 1)
                throw new UsageException($"--header-env takes HEADER=VARIABLE pairs, got '{pair}'", ctx.Command);
            headers[pair[..at].Trim()] = pair[(at + 1)..].Trim();
        }
        return headers;
    }

    private static Task<int> LimitsAsync(CommandContext ctx)
    {
        var path = EndpointPath(ctx);
        var patch = new UpdateEndpointRequest(MaxInFlight: ctx.IntOption("max-in-flight"), Rpm: ctx.IntOption("rpm"), Tpm: ctx.LongOption("tpm"));
        if (patch is { MaxInFlight: null, Rpm: null, Tpm: null })
        {
            throw new UsageException("nothing to change: give --max-in-flight, --rpm and/or --tpm", ctx.Command);
        }

        return ctx.CommandAsync(HttpMethod.Patch, path, patch);
    }

    private static void WriteGroups(GroupView[] groups, Output output)
    {
        if (groups.Length == 0)
        {
            output.WriteLine("no model groups");
            return;
        }

        var table = Output.Table("NAME", "STRATEGY", "ENDPOINTS>", "FALLBACKS");
        foreach (var group in groups)
        {
            table.Row(group.Name, group.Strategy, Format.Number(group.Endpoints), Format.List(group.Fallbacks));
        }

        output.Write(table);
    }

    private static void WriteEndpoints(EndpointView[] views, Output output, string? group)
    {
        if (views.Length == 0)
        {
            output.WriteLine(group is null ? "no endpoints" : $"no endpoints in group {group}");
            return;
        }

        var table = Output.Table("ID", "GROUP", "STATE", "IN-FLIGHT>", "P50 MS>", "P95 MS>", "RPM>", "TPM>", "WEIGHT>", "CIRCUIT");
        foreach (var view in views)
        {
            var (d, s) = (view.Definition, view.Snapshot);
            table.Row(d.Id, d.ModelGroup, IsLive(view) ? view.State : $"{view.State} ({view.Freshness}, {Format.Seconds(view.AgeSeconds)} old)",
                Format.UsedOf(s?.InFlight ?? 0, d.MaxInFlight),
                Format.Ms(s?.Latency, w => w.P50Ms), Format.Ms(s?.Latency, w => w.P95Ms),
                Format.UsedOf(s?.RequestsLastMinute ?? 0, d.Rpm), Format.UsedOf(s?.TokensLastMinute ?? 0, d.Tpm),
                Format.Number(d.Weight), s is null ? Format.None : Format.Circuit(s.Circuit));
        }

        output.Write(table);
        output.WriteLine();
        output.WriteLine($"{Format.Plural(views.Length, "endpoint")}, {views.Count(v => v.State == "active")} active");
    }

    /// <summary>
    /// Whether the endpoint's own actor answered. One that did not is shown from the node's last snapshot, marked with its
    /// age in the table; the warning naming it is the generic one (its <c>notAnswered</c>). Older nodes send no freshness.
    /// </summary>
    private static bool IsLive(EndpointView view) => view.Freshness is null or EndpointFreshness.Live;

    private static void WriteEndpoint(EndpointView view, Output output)
    {
        var d = view.Definition;
        var s = view.Snapshot ?? EndpointSnapshotDto.Empty(d.Id);
        Format.KeyValues(output,
        [
            ("id", d.Id),
            ("group", d.ModelGroup),
            ("url", d.Url),
            ("state", view.State),
            ("weight", Format.Number(d.Weight)),
            ("order", Format.Number(d.Order)),
            ("tags", Format.List(d.Tags)),
            ("api key env", Format.Optional(d.ApiKeyEnv)),
            ("auth", d.Auth ?? "bearer"),
            ("api version", Format.Optional(d.ApiVersion)),
            ("header env", Format.Optional(d.HeadersFromEnv is { Count: > 0 } h ? string.Join(", ", h.Select(p => $"{p.Key}={p.Value}")) : null)),
            ("upstream model", Format.Optional(d.UpstreamModel)),
            ("context window", Format.Optional(d.ContextWindow)),
            ("cost per 1K in/out", $"{Format.Number(d.InputCostPer1KTokens)}/{Format.Number(d.OutputCostPer1KTokens)}"),
            ("in-flight", $"{Format.UsedOf(s.InFlight, d.MaxInFlight)} (peak {Format.Number(s.PeakInFlight)})"),
            ("rpm", Format.UsedOf(s.RequestsLastMinute, d.Rpm)),
            ("tpm", Format.UsedOf(s.TokensLastMinute, d.Tpm)),
            ("latency ms", Window(s.Latency)),
            ("ttft ms", Window(s.TimeToFirstToken)),
            ("circuit", Format.Circuit(s.Circuit)),
            ("cooldown until", Format.Time(s.CooldownUntil)),
            ("consecutive failures", Format.Number(s.ConsecutiveFailures)),
            ("requests", $"{Format.Number(s.TotalRequests)} ({Format.Number(s.TotalFailures)} failed)"),
            ("last sample", Format.Time(s.LastSampleAt)),
            ("snapshot", $"{Format.Time(s.TakenAt)} (incarnation {Format.Number(s.Incarnation)}, sequence {Format.Number(s.Sequence)})"),
            ("freshness", IsLive(view) ? "live" : $"{view.Freshness}, {Format.Seconds(view.AgeSeconds)} old: {view.Note}"),
            ("node", Format.Optional(view.Node)),
        ]);
    }

    private static string Window(WindowStatsDto? window) =>
        window is null || window.Samples == 0
            ? "no samples"
            : $"p50 {Format.Ms(window, w => w.P50Ms)}, p95 {Format.Ms(window, w => w.P95Ms)}, mean {Format.Ms(window, w => w.MeanMs)} ({Format.Plural(window.Samples, "sample")})";

    /// <summary>The cluster's sums per group, then each node's totals; a node that did not answer is listed with '-'.</summary>
    private static void WriteStats(ClusterStatsView view, Output output)
    {
        var stats = view.Groups;
        if (stats.Count == 0)
        {
            output.WriteLine("no model groups");
        }
        else
        {
            var table = Output.Table("GROUP", "REQUESTS>", "ERRORS>", "ERROR %>", "RETRIES>", "FALLBACKS>");
            foreach (var s in stats)
            {
                table.Row(s.Group, Format.Number(s.Requests), Format.Number(s.Errors), Format.Percent(s.Errors, s.Requests), Format.Number(s.Retries), Format.Number(s.Fallbacks));
            }

            long requests = stats.Sum(s => s.Requests), errors = stats.Sum(s => s.Errors);
            table.Row("total", Format.Number(requests), Format.Number(errors), Format.Percent(errors, requests), Format.Number(stats.Sum(s => s.Retries)), Format.Number(stats.Sum(s => s.Fallbacks)));
            output.Write(table);
        }

        output.WriteLine();
        var nodes = Output.Table("NODE", "REQUESTS>", "ERRORS>", "RETRIES>", "FALLBACKS>");
        foreach (var node in view.Nodes)
        {
            nodes.Row(node.Address, Format.Number(node.Groups.Sum(g => g.Requests)), Format.Number(node.Groups.Sum(g => g.Errors)),
                Format.Number(node.Groups.Sum(g => g.Retries)), Format.Number(node.Groups.Sum(g => g.Fallbacks)));
        }

        foreach (var address in view.NotAnswered)
        {
            nodes.Row(address, "-", "-", "-", "-");
        }

        output.Write(nodes);
        // The warning naming the nodes that did not answer is the generic one (PartialAnswers), on stderr.
    }
}
