using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Router.AdminApi;

namespace Router.Cli.Tests;

/// <summary>One request the fake admin API received.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, string Body, string? Authorization)
{
    public T BodyAs<T>() => JsonSerializer.Deserialize<T>(Body, FakeAdminApi.Json)!;
}

/// <summary>
/// The admin HTTP API as documented in AdminApiContract.cs, on a real Kestrel port with canned data. Records
/// every request; needs "Authorization: Bearer s3cret" (401 otherwise, 403 for the token "viewer").
/// </summary>
public sealed class FakeAdminApi : IAsyncLifetime
{
    public const string Token = "s3cret";
    public const string ViewerToken = "viewer";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private WebApplication? app;

    public string Address { get; private set; } = "";

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Keep /admin/cluster/events open after the canned events (until the client disconnects).</summary>
    public bool EventsStayOpen { get; set; }

    /// <summary>Answer /admin/sharding with a plain-text 500.</summary>
    public bool ShardingFails { get; set; }

    /// <summary>How long /admin/router/stats takes to answer.</summary>
    public TimeSpan StatsDelay { get; set; }

    public RecordedRequest LastRequest => Requests.Last();

    public void Reset()
    {
        Requests.Clear();
        EventsStayOpen = false;
        ShardingFails = false;
        StatsDelay = TimeSpan.Zero;
        StatsPartial = false;
        Sharding = DefaultSharding;
        EndpointAnswer = Endpoints;
        ClusterAnswer = Cluster;
    }

    /// <summary>What /admin/router/endpoints answers (reset to <see cref="Endpoints"/>).</summary>
    public EndpointView[] EndpointAnswer { get; set; } = Endpoints;

    /// <summary>What /admin/cluster answers (reset to <see cref="Cluster"/>).</summary>
    public ClusterView ClusterAnswer { get; set; } = Cluster;

    // ---- canned data ----

    public const string Self = "akka.tcp://llm-router@10.0.0.1:4053";
    public const string Second = "akka.tcp://llm-router@10.0.0.2:4053";
    public const string Third = "akka.tcp://llm-router@10.0.0.3:4053";
    public const string Joining = "akka.tcp://llm-router@10.0.0.4:4053";

    public static readonly ClusterView Cluster = new(Self, Self,
    [
        new MemberView(Self, "Up", ["gateway"], true, 1),
        new MemberView(Second, "Up", ["gateway", "billing"], true, 2),
        new MemberView(Third, "Up", ["gateway"], false, 3),
        new MemberView(Joining, "Joining", [], true, 0),
    ], [Third]);

    /// <summary>What /admin/sharding answers (reset to <see cref="DefaultSharding"/>).</summary>
    public ShardingView Sharding { get; set; } = DefaultSharding;

    public static readonly ShardingView DefaultSharding = new("endpoint", 30, 12,
    [
        new RegionView(Self, 10, 5),
        new RegionView(Second, 12, 4),
        new RegionView(Third, 8, 3),
    ]);

    public static readonly GroupView[] Groups =
    [
        new("gpt-4o", "latency", ["gpt-4o-mini"], 2),
        new("gpt-4o-mini", "round-robin", [], 1),
    ];

    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public static readonly EndpointView[] Endpoints =
    [
        new(new EndpointDefinitionDto("azure-eu", "gpt-4o", "https://eu.example.com/openai/v1", ApiKeyEnv: "AZURE_EU_KEY", Weight: 2,
                MaxInFlight: 50, Rpm: 600, Tpm: 150_000, Tags: ["eu"], ContextWindow: 128_000, InputCostPer1KTokens: 0.0025),
            EndpointSnapshotDto.Empty("azure-eu") with
            {
                TakenAt = Now, InFlight = 7, PeakInFlight = 21, Latency = new WindowStatsDto(100, 455.5, 420, 910),
                RequestsLastMinute = 120, TokensLastMinute = 45_000, TotalRequests = 9_000, TotalFailures = 3,
            },
            "active"),
        new(new EndpointDefinitionDto("vllm-local", "gpt-4o", "http://vllm:8000/v1", UpstreamModel: "meta-llama/Llama-3.1-70B", Order: 1),
            EndpointSnapshotDto.Empty("vllm-local") with { Circuit = CircuitStateDto.Open, CooldownUntil = Now.AddSeconds(30), ConsecutiveFailures = 3 },
            "cooling-down"),
        new(new EndpointDefinitionDto("mini-1", "gpt-4o-mini", "sim://mini", Drained: true),
            EndpointSnapshotDto.Empty("mini-1") with { Circuit = CircuitStateDto.HalfOpen, Drained = true },
            "drained"),
    ];

    /// <summary>Two nodes answered (their sums are the groups), the third did not.</summary>
    public static readonly ClusterStatsView Stats = new(
        [new("gpt-4o", 1000, 12, 30, 4), new("gpt-4o-mini", 500, 0, 1, 0)],
        [
            new(Self, [new("gpt-4o", 600, 10, 20, 4), new("gpt-4o-mini", 500, 0, 1, 0)]),
            new(Second, [new("gpt-4o", 400, 2, 10, 0)]),
        ],
        []);

    public static readonly ClusterStatsView PartialStats = Stats with { NotAnswered = [Third] };

    /// <summary>Answer /admin/router/stats with <see cref="PartialStats"/> (a node did not answer).</summary>
    public bool StatsPartial { get; set; }

    public static readonly MemberEventView[] Events =
    [
        new(Now, "member-up", Second, "Up"),
        new(Now.AddSeconds(5), "unreachable", Third, "Up"),
        new(Now.AddSeconds(9), "member-removed", Joining, "Removed"),
    ];

    // ---- server ----

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        app = builder.Build();

        app.Use(async (context, next) =>
        {
            context.Request.EnableBuffering();
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            context.Request.Body.Position = 0;
            var authorization = context.Request.Headers.Authorization.ToString();
            Requests.Enqueue(new RecordedRequest(context.Request.Method, context.Request.Path.Value ?? "", context.Request.QueryString.Value ?? "", body,
                authorization.Length == 0 ? null : authorization));
            context.Items["body"] = body;
            if (authorization == $"Bearer {ViewerToken}")
            {
                await Results.Json(new AdminError("the viewer token may not do this"), Json, statusCode: 403).ExecuteAsync(context);
                return;
            }

            if (authorization != $"Bearer {Token}")
            {
                await Results.Json(new AdminError("missing or wrong admin token"), Json, statusCode: 401).ExecuteAsync(context);
                return;
            }

            await next(context);
        });

        app.MapGet("/admin/cluster", () => Ok(ClusterAnswer));
        app.MapPost("/admin/cluster/leave", (HttpContext c) => Message($"{Body<AddressRequest>(c)?.Address ?? Self} is leaving"));
        app.MapPost("/admin/cluster/down", (HttpContext c) => Body<AddressRequest>(c)?.Address is { } a ? Message($"{a} marked as down") : Error(400, "address is required"));
        app.MapPost("/admin/cluster/down-unreachable", () => Message("1 unreachable member marked as down"));
        app.MapPost("/admin/cluster/join", (HttpContext c) => Body<AddressRequest>(c)?.Address is { } a ? Message($"joining {a}") : Error(400, "address is required"));
        app.MapGet("/admin/cluster/events", StreamEventsAsync);
        app.MapGet("/admin/sharding", () => ShardingFails ? Results.Text("boom", "text/plain", statusCode: 500) : Ok(Sharding));
        app.MapGet("/admin/router/groups", () => Ok(Groups));
        app.MapPut("/admin/router/groups/{group}/strategy", (string group, HttpContext c) =>
            Groups.Any(g => g.Name == group)
                ? Message($"group {group} now routes with {Body<StrategyRequest>(c)!.Strategy}")
                : Error(404, $"unknown model group '{group}'"));
        app.MapGet("/admin/router/endpoints", (string? group) => Ok(EndpointAnswer.Where(e => group is null || e.Definition.ModelGroup == group).ToArray()));
        app.MapGet("/admin/router/endpoints/{id}", (string id) => EndpointAnswer.FirstOrDefault(e => e.Definition.Id == id) is { } e ? Ok(e) : NotFound(id));
        app.MapPost("/admin/router/endpoints", (HttpContext c) =>
            Body<EndpointDefinitionDto>(c) is { Weight: >= 1 } d ? Message($"endpoint {d.Id} registered in {d.ModelGroup}") : Error(400, "weight must be at least 1"));
        app.MapMethods("/admin/router/endpoints/{id}", ["PATCH"], (string id, HttpContext c) =>
            Find(id) is null ? NotFound(id)
            : Body<UpdateEndpointRequest>(c) is { Weight: < 1 } ? Error(400, "weight must be at least 1")
            : Message($"endpoint {id} updated"));
        app.MapDelete("/admin/router/endpoints/{id}", (string id) => Find(id) is null ? NotFound(id) : Message($"endpoint {id} removed"));
        app.MapPost("/admin/router/endpoints/{id}/drain", (string id) => Find(id) is null ? NotFound(id) : Message($"endpoint {id} draining"));
        app.MapPost("/admin/router/endpoints/{id}/undrain", (string id) => Find(id) is null ? NotFound(id) : Message($"endpoint {id} active"));
        app.MapGet("/admin/router/stats", async (HttpContext c) =>
        {
            await Task.Delay(StatsDelay, c.RequestAborted);
            return Ok(StatsPartial ? PartialStats : Stats);
        });

        await app.StartAsync();
        Address = new Uri(app.Urls.First()).Authority;
    }

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await app.StopAsync(stopping.Token);
            await app.DisposeAsync();
        }
    }

    private async Task StreamEventsAsync(HttpContext context)
    {
        context.Response.ContentType = "application/x-ndjson";
        foreach (var e in Events)
        {
            await context.Response.WriteAsync(JsonSerializer.Serialize(e, Json) + "\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }

        if (EventsStayOpen)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // the client went away: that is how a tail ends
            }
        }
    }

    private static EndpointView? Find(string id) => Endpoints.FirstOrDefault(e => e.Definition.Id == id);

    private static T? Body<T>(HttpContext context) =>
        context.Items["body"] is string { Length: > 0 } body ? JsonSerializer.Deserialize<T>(body, Json) : default;

    private static IResult Ok<T>(T value) => Results.Json(value, Json);

    private static IResult Message(string text) => Results.Json(new AdminMessage(text), Json);

    private static IResult Error(int status, string text) => Results.Json(new AdminError(text), Json, statusCode: status);

    private static IResult NotFound(string id) => Error(404, $"no endpoint '{id}'");
}
