using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;
using System.Text.Json.Serialization;
using Akka.Persistence.Sql.Hosting;
using LinqToDB;
using Router.Actors.Hosting;
using Router.Node.Admin;
using Router.Node.Configuration;
using Router.Node.Gateway;
using Router.Node.Lifecycle;
using Router.Node.Observability;
using Router.Node.Simulation;

namespace Router.Node;

/// <summary>
/// A running gateway node: the ASP.NET Core app (OpenAI-compatible API), its actor system in the router
/// cluster, and the simulated endpoints of the embedded default configuration. Program and the end-to-end
/// tests build nodes the same way.
/// </summary>
public sealed class GatewayNode : IAsyncDisposable
{
    private readonly EmbeddedSimulators _simulators;

    private GatewayNode(WebApplication app, EmbeddedSimulators simulators, NodeOptions settings)
    {
        App = app;
        _simulators = simulators;
        Settings = settings;
        // Taken now: when RunAsync returns, the host has disposed its services, and DisposeAsync still needs it.
        _lifecycle = app.Services.GetRequiredService<NodeLifecycle>();
    }

    private readonly NodeLifecycle _lifecycle;

    public WebApplication App { get; }
    public NodeOptions Settings { get; }

    /// <summary>The gateway (OpenAI API) addresses actually bound, e.g. with port 0.</summary>
    public IReadOnlyList<string> Urls => App.Services.GetRequiredService<Listeners>().GatewayUrls;

    /// <summary>The admin API addresses actually bound.</summary>
    public IReadOnlyList<string> AdminUrls => App.Services.GetRequiredService<Listeners>().AdminUrls;

    /// <summary>Reads configuration, validates it, starts the simulators it names and builds the app (not started).</summary>
    /// <param name="configure">Extra configuration sources with the highest precedence (tests).</param>
    /// <param name="configureServices">Extra services (tests: an in-memory span exporter).</param>
    /// <param name="configureAkka">Extra actor system settings, applied last (tests: Akka's throttler transport to cut nodes off in-process).</param>
    public static async Task<GatewayNode> CreateAsync(string[] args, Action<IConfigurationBuilder>? configure = null,
        Action<IServiceCollection>? configureServices = null, Action<AkkaConfigurationBuilder>? configureAkka = null)
    {
        // The default appsettings.json is read here: a malformed one is a configuration error, not a crash.
        var builder = NodeConfiguration.LoadingJson(() =>
            WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory }));
        var configFile = NodeConfiguration.ApplyConfigFileArgument(builder.Configuration, args);
        // An unready node is an expected state (starting, stopping, cut off): the probe's answer says why, the log need not
        // repeat it at error level on every probe.
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService", LogLevel.Critical);
        configure?.Invoke(builder.Configuration);
        // YARP logs each failed forward at Warning with the exception's stack trace; the gateway's own line (event 1001)
        // already names the request, endpoint and redacted reason. Naming the category in Logging:LogLevel brings YARP's back.
        const string forwarderCategory = "Yarp.ReverseProxy.Forwarder.HttpForwarder";
        if (builder.Configuration[$"Logging:LogLevel:{forwarderCategory}"] is null) builder.Logging.AddFilter(forwarderCategory, LogLevel.Error);

        var settings = NodeConfiguration.Bind(builder.Configuration);
        // No Registry:ConnectionString: a SQLite file of this configuration's own (see RegistryOptions.DefaultSqliteFile).
        var registryFileChosen = settings.Registry.ApplyDefaultConnectionString(configFile);
        var strategies = CreateStrategies(settings);
        var problems = NodeOptionsValidator.Validate(settings, strategies, Environment.GetEnvironmentVariable);
        if (problems.Count > 0) throw new NodeConfigurationException(problems);

        var simulators = await EmbeddedSimulators.StartAsync(settings.Simulators);
        // One scope for this node's meters, so its exporter reports this node only (several can share a process).
        var meterScope = new object();
        var clusterOptions = RouterClusterSettingsFactory.Create(settings, strategies) with { MetricsScope = meterScope };
        ConfigureServer(builder, settings);
        ConfigureServices(builder.Services, settings, clusterOptions, configureAkka);
        builder.Services.AddSingleton(simulators); // resolves sim://name where a request is forwarded
        builder.Services.AddRouterTelemetry(settings.Telemetry, builder.Configuration, meterScope);
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        app.Use(ExpectedFailures.Handle);
        app.Use(DashboardEndpoints.ServePage); // admin listener only; before the /admin-only rule of ServeOnItsOwnListener
        app.Use(ServeOnItsOwnListener);
        app.Use(new ServingGate(app.Services).Handle);
        app.Use(OpenAiErrorsForUnknownRoutes);
        app.MapOpenAiGateway();
        app.MapAdminApi();
        app.MapDashboardData();
        app.MapRouterMetrics(settings.Telemetry);
        app.MapNodeHealth();
        return new GatewayNode(app, simulators, settings)
        {
            _registryChoice = registryFileChosen ? (configFile ?? "the embedded default", Path.GetFullPath(RegistryOptions.DefaultSqliteFile(configFile))) : null,
        };
    }

    private Akka.Actor.ActorSystem? _system;

    /// <summary>The configuration and the SQLite file chosen for it when Registry:ConnectionString is not set.</summary>
    private (string Configuration, string File)? _registryChoice;

    public Task StartAsync()
    {
        ThrowIfPortsAreBusy();
        LogRegistryChoice();
        return App.StartAsync();
    }

    public Task RunAsync()
    {
        ThrowIfPortsAreBusy();
        LogRegistryChoice();
        // The service provider is disposed when RunAsync returns; ExitCode still needs the actor system.
        App.Lifetime.ApplicationStarted.Register(() => _system = App.Services.GetRequiredService<Akka.Actor.ActorSystem>());
        return App.RunAsync();
    }

    /// <summary>
    /// What the process should exit with once <see cref="RunAsync"/> returns: 0 after an ordinary stop,
    /// <see cref="NodeLifecycle.DownedExitCode"/> when the cluster downed or removed the node (a supervisor restarts it).
    /// </summary>
    public int ExitCode => _system is null ? 0 : NodeLifecycle.ExitCodeOf(_system);

    private void LogRegistryChoice()
    {
        if (_registryChoice is var (configuration, file))
            LifecycleLog.RegistryFileOfConfiguration(App.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Router.Node.Registry"), configuration, file);
    }

    private void ThrowIfPortsAreBusy()
    {
        if (Listeners.BusyPorts(Settings) is { Count: > 0 } busy) throw new NodeConfigurationException(busy);
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        // Disposing the services ends the actor system too; said first, so that is not logged as an unplanned stop.
        _lifecycle.BeginDisposing();
        await App.DisposeAsync();
        await _simulators.DisposeAsync();
    }

    private static Router.Actors.Strategies.StrategyRegistry CreateStrategies(NodeOptions settings)
    {
        try { return RouterClusterSettingsFactory.CreateStrategies(settings.Router); }
        catch (ArgumentException e) { throw new NodeConfigurationException([$"Router:CustomStrategies: {e.Message}"]); }
    }

    /// <summary>/admin and /metrics answer only on the admin listener, everything else only on the gateway listener.</summary>
    private static Task ServeOnItsOwnListener(HttpContext context, RequestDelegate next)
    {
        var adminPath = context.Request.Path.StartsWithSegments("/admin") || TelemetrySetup.IsAdminListenerPath(context.Request.Path);
        var adminConnection = Listeners.IsAdminConnection(context);
        if (adminPath != adminConnection)
        {
            // On the gateway port, an OpenAI-shaped 404 like any other unknown route.
            if (!adminConnection) return OpenAiStatusErrors.NotFound(context);
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        return next(context);
    }

    /// <summary>Unknown routes and wrong methods on the gateway port answer OpenAI-shaped 404/405 errors, not empty bodies.</summary>
    private static Task OpenAiErrorsForUnknownRoutes(HttpContext context, RequestDelegate next) =>
        Listeners.IsAdminConnection(context) || OpenAiStatusErrors.AnswersItsOwnErrors(context)
            ? next(context)
            : OpenAiStatusErrors.FillEmptyErrors(context, next);

    private static void ConfigureServer(WebApplicationBuilder builder, NodeOptions settings)
    {
        var listeners = new Listeners();
        builder.Services.AddSingleton(listeners);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            listeners.Configure(kestrel, settings.Gateway.Urls, settings.Admin.Urls);
            kestrel.Limits.MaxRequestBodySize = settings.Gateway.MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = settings.Gateway.MaxRequestHeadersBytes;
        });
        // Stopping (GracefulStop): Kestrel stops accepting and lets requests in flight finish, then the actor system
        // leaves the cluster and hands its endpoint shards off.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(settings.Gateway.ShutdownDrainSeconds + 15));
    }

    private static void ConfigureServices(IServiceCollection services, NodeOptions settings, RouterClusterSettings clusterOptions,
        Action<AkkaConfigurationBuilder>? configureAkka)
    {
        services.AddAkka(RouterClusterSettings.DefaultSystemName, (akka, provider) =>
        {
            akka.ConfigureLoggers(loggers =>
            {
                loggers.LogLevel = Akka.Event.LogLevel.WarningLevel;
                loggers.ClearLoggers();
                loggers.AddLoggerFactory();
            });
            // The host, not Akka's own SIGTERM hook, decides when CoordinatedShutdown runs: after the drain (GracefulStop).
            akka.AddHocon("akka.coordinated-shutdown.run-by-clr-shutdown-hook = off", HoconAddMode.Prepend);
            // A leaving node waits for the leader to move it to Exiting and then Removed (one leader tick each, after the
            // members have seen each step by gossip): 250 ms ticks and 500 ms gossip instead of Akka's 1 s and 1 s keep
            // the leave after the drain within about a second.
            akka.AddHocon("akka.cluster.leader-actions-interval = 250ms\nakka.cluster.gossip-interval = 500ms\nakka.cluster.sharding.retry-interval = 500ms", HoconAddMode.Prepend);
            akka.AddHocon($"akka.cluster.split-brain-resolver.stable-after = {Seconds(settings.Cluster.SplitBrainStableAfterSeconds)}", HoconAddMode.Prepend);
            // Zero means "off" to Akka, which then falls back to the stable-after: say 1 ms instead.
            akka.AddHocon($"akka.cluster.down-removal-margin = {(settings.Cluster.DownRemovalMarginSeconds > 0 ? Seconds(settings.Cluster.DownRemovalMarginSeconds) : "1ms")}",
                HoconAddMode.Prepend);
            ConfigureRegistryPersistence(akka, settings.Registry);
            // The router's parts, composed after this node's own remoting and clustering (AddRouterCluster does the same
            // in one call). The runtime is the DI singleton below, so the HTTP side and the actors share one instance.
            akka.WithRemoting(clusterOptions.ToRemoteOptions())
                .WithClustering(clusterOptions.ToClusterOptions())
                .WithRouterSerialization()
                .WithRouterRuntime(provider.GetRequiredService<RouterRuntime>())
                .WithEndpointShards(clusterOptions)
                .WithEndpointRegistry()
                .WithRouterNodeActors(clusterOptions);
            akka.AddNodeStats(provider); // answers the cluster-wide `router stats`
            akka.AddClusterIncidentWatch(provider); // unreachable-since and the resolver's countdown for `cluster show`
            if (clusterOptions.SeedNodes.Count == 0)
                akka.AddStartup((system, _) => Cluster.Get(system).Join(Cluster.Get(system).SelfAddress)); // a cluster of one
            akka.WithActorSystemLivenessCheck(tags: [NodeHealth.LiveTag]);
            akka.WithAkkaClusterReadinessCheck(tags: [NodeHealth.ReadyTag]);
            configureAkka?.Invoke(akka);
        });
        services.AddSingleton<NodeLifecycle>();
        services.AddHostedService<GracefulStop>();
        services.AddHealthChecks().AddCheck<RouterReadinessCheck>("router-ready", tags: [NodeHealth.ReadyTag]);
        services.AddHttpForwarder();
        services.AddSingleton(settings);
        services.AddSingleton(settings.Gateway);
        // Created with the actor system (when Akka.Hosting builds it), which is given this instance by WithRouterRuntime.
        services.AddRouterRuntime(clusterOptions);
        services.AddRouterClient();
        services.AddSingleton(new UpstreamClient(settings.Router));
        services.AddSingleton(new UpstreamSecrets());
        services.AddSingleton<GatewayStats>();
        services.AddSingleton<ClientApiKeys>();
        services.AddSingleton<PoisonRequests>();
        services.AddSingleton<GatewayRequestHandler>();
        services.AddSingleton(settings.Admin);
        services.AddSingleton<ClusterIncidentLog>();
        services.AddSingleton<AdminCommands>();
        services.AddSingleton<AdminTokenFilter>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
    }

    private static string Seconds(double seconds) => $"{Math.Round(seconds * 1000).ToString(System.Globalization.CultureInfo.InvariantCulture)}ms";

    /// <summary>The registry's runtime changes go to SQLite (default, no set-up), PostgreSQL, or memory.</summary>
    private static void ConfigureRegistryPersistence(AkkaConfigurationBuilder akka, RegistryOptions registry)
    {
        switch (registry.Provider.ToLowerInvariant())
        {
            case "sqlite":
                akka.WithSqlPersistence(registry.ConnectionString, ProviderName.SQLiteMS);
                break;
            case "postgresql":
                akka.WithSqlPersistence(registry.ConnectionString, ProviderName.PostgreSQL15);
                break;
            // "memory": Akka's in-memory journal, lost when the node stops.
        }
    }
}
