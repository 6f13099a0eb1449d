using Router.Actors.Endpoints;
using Router.Actors.Hosting;
using Router.Actors.Routing;
using Router.Actors.Strategies;
using Router.Messages.Endpoints;

namespace Router.Node.Configuration;

/// <summary>Turns validated <see cref="NodeOptions"/> into the routing core's <see cref="RouterClusterSettings"/>.</summary>
public static class RouterClusterSettingsFactory
{
    public static StrategyRegistry CreateStrategies(RouterOptions router)
    {
        var registry = new StrategyRegistry();
        foreach (var (name, typeName) in router.CustomStrategies) registry.RegisterType(name, typeName);
        return registry;
    }

    /// <remarks>sim://name urls stay as they are: the gateway resolves them to the simulator's port when it forwards.</remarks>
    public static RouterClusterSettings Create(NodeOptions settings, StrategyRegistry strategies)
    {
        var router = settings.Router;
        var cluster = settings.Cluster;
        return new RouterClusterSettings
        {
            Hostname = cluster.Hostname,
            Port = cluster.Port,
            PublicHostname = cluster.PublicHostname,
            SeedNodes = cluster.SeedNodes,
            Roles = cluster.Roles.Count > 0 ? cluster.Roles : [RouterClusterSettings.GatewayRole],
            ShardCount = cluster.ShardCount,
            RegistryDescription = settings.Registry.Describe(),
            Strategies = strategies,
            Endpoint = new EndpointSettings
            {
                LatencyWindowSize = router.LatencyWindowSize,
                FailureThreshold = router.FailureThreshold,
                Cooldown = TimeSpan.FromSeconds(router.CooldownSeconds),
            },
            Routing = new RoutingSettings
            {
                // A lease outlives the longest request, so only a dead gateway's leases are ever reclaimed.
                LeaseDuration = TimeSpan.FromSeconds(router.RequestTimeoutSeconds + 30),
                MaxAcquireAttempts = router.MaxAcquireAttempts,
                LocalGrants = router.LocalGrants,
                SpareLeases = router.SpareLeases,
                SpareIdleTimeout = TimeSpan.FromSeconds(router.SpareIdleSeconds),
                ActivityBatchInterval = TimeSpan.FromMilliseconds(router.ActivityBatchMilliseconds),
                Strategy = new StrategySettings
                {
                    LatencyBuffer = router.LatencyBuffer,
                    LatencyReprobeAfter = TimeSpan.FromSeconds(router.LatencyReprobeSeconds),
                    SessionLoadFactor = router.SessionLoadFactor,
                },
            },
            Groups = settings.ModelGroups
                .Select(g => new ModelGroupDefinition(g.Key, g.Value.Strategy, g.Value.Fallbacks, g.Value.ContextWindowFallbacks))
                .ToList(),
            Endpoints = settings.ModelGroups
                .SelectMany(g => g.Value.Endpoints.Select(e => ToDefinition(g.Key, e.Key, e.Value, e.Value.Url)))
                .ToList(),
        };
    }

    public static EndpointDefinition ToDefinition(string group, string id, EndpointOptions e, string url) => new(
        id, group, url.TrimEnd('/'), e.ApiKeyEnv, e.UpstreamModel, e.Weight, e.MaxInFlight, e.Rpm, e.Tpm, e.Order,
        e.Tags, e.ContextWindow, e.InputCostPer1KTokens, e.OutputCostPer1KTokens,
        Auth: string.IsNullOrWhiteSpace(e.Auth) ? null : e.Auth.Trim().ToLowerInvariant(),
        ApiVersion: string.IsNullOrWhiteSpace(e.ApiVersion) ? null : e.ApiVersion.Trim(),
        HeadersFromEnv: e.HeadersFromEnv.Count == 0 ? null : new Dictionary<string, string>(e.HeadersFromEnv, StringComparer.OrdinalIgnoreCase),
        Fencing: string.Equals(e.Fencing, "strict", StringComparison.OrdinalIgnoreCase) ? LeaseFencing.Strict : LeaseFencing.Available);
}
