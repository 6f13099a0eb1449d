using Router.Actors.Directory;
using Router.Actors.Hosting;
using Router.Actors.Strategies;
using Router.Messages.Endpoints;
using Router.Node.Gateway;

namespace Router.Node.Configuration;

/// <summary>
/// Checks a node's configuration before anything starts. Every problem names its configuration key
/// (e.g. "ModelGroups:gpt-4o:Endpoints:east:Url") so the operator knows exactly what to fix.
/// </summary>
public static class NodeOptionsValidator
{
    /// <summary>Timers in .NET take at most ~24.8 days.</summary>
    private const double MaxDurationSeconds = 24 * 24 * 3600;

    public static IReadOnlyList<string> Validate(NodeOptions settings, StrategyRegistry strategies, Func<string, string?> environment)
    {
        var problems = new List<string>();
        void Check(bool ok, string key, string problem)
        {
            if (!ok) problems.Add($"{key}: {problem}");
        }

        var gateway = settings.Gateway;
        Check(!string.IsNullOrWhiteSpace(gateway.Urls), "Gateway:Urls", "must name at least one url, e.g. http://localhost:4000");
        Check(gateway.MaxRequestBodyBytes > 0, "Gateway:MaxRequestBodyBytes", $"must be positive, got {gateway.MaxRequestBodyBytes}");
        Check(gateway.MaxRequestHeadersBytes > 0, "Gateway:MaxRequestHeadersBytes", $"must be positive, got {gateway.MaxRequestHeadersBytes}");
        Check(gateway.ShutdownDrainSeconds >= 0, "Gateway:ShutdownDrainSeconds", $"must be 0 or more, got {gateway.ShutdownDrainSeconds}");
        for (var i = 0; i < gateway.ApiKeys.Count; i++)
            Check(!string.IsNullOrWhiteSpace(gateway.ApiKeys[i]), $"Gateway:ApiKeys:{i}", "is empty");

        problems.AddRange(Listeners.Validate("Gateway:Urls", gateway.Urls));
        problems.AddRange(Listeners.Validate("Admin:Urls", settings.Admin.Urls));
        var registry = settings.Registry;
        Check(registry.Provider.ToLowerInvariant() is "sqlite" or "postgresql" or "memory", "Registry:Provider",
            $"must be sqlite, postgresql or memory, got '{registry.Provider}'");
        // sqlite without a connection string uses the configuration's own file (RegistryOptions.DefaultSqliteFile).
        Check(!registry.Provider.Equals("postgresql", StringComparison.OrdinalIgnoreCase) || !string.IsNullOrWhiteSpace(registry.ConnectionString),
            "Registry:ConnectionString", "is empty; postgresql needs one, e.g. Host=db;Username=router;Password=...;Database=router");
        problems.AddRange(SharedRegistryProblems(settings));

        var cluster = settings.Cluster;
        Check(cluster.Port is >= 0 and <= 65535, "Cluster:Port", $"must be 0-65535, got {cluster.Port}");
        Check(!string.IsNullOrWhiteSpace(cluster.Hostname), "Cluster:Hostname", "is empty");
        Check(cluster.SplitBrainStableAfterSeconds > 0, "Cluster:SplitBrainStableAfterSeconds", $"must be positive, got {cluster.SplitBrainStableAfterSeconds}");
        Check(cluster.DownRemovalMarginSeconds >= 0, "Cluster:DownRemovalMarginSeconds", $"must be 0 or more, got {cluster.DownRemovalMarginSeconds}");
        Check(cluster.ShardCount > 0, "Cluster:ShardCount", $"must be positive, got {cluster.ShardCount}");
        var seedPrefix = $"akka.tcp://{RouterClusterSettings.DefaultSystemName}@";
        for (var i = 0; i < cluster.SeedNodes.Count; i++)
            Check(cluster.SeedNodes[i].StartsWith(seedPrefix, StringComparison.Ordinal) && cluster.SeedNodes[i].LastIndexOf(':') > seedPrefix.Length,
                $"Cluster:SeedNodes:{i}", $"'{cluster.SeedNodes[i]}' must look like {seedPrefix}host:port");

        var router = settings.Router;
        Check(router.Retries >= 0, "Router:Retries", $"must be 0 or more, got {router.Retries}");
        Check(router.RequestTimeoutSeconds > 0, "Router:RequestTimeoutSeconds", $"must be positive, got {router.RequestTimeoutSeconds}");
        Check(router.FirstTokenTimeoutSeconds > 0, "Router:FirstTokenTimeoutSeconds", $"must be positive, got {router.FirstTokenTimeoutSeconds}");
        Check(router.ConnectTimeoutSeconds > 0, "Router:ConnectTimeoutSeconds", $"must be positive, got {router.ConnectTimeoutSeconds}");
        Check(router.CapacityWaitSeconds >= 0, "Router:CapacityWaitSeconds", $"must be 0 or more, got {router.CapacityWaitSeconds}");
        Check(router.CooldownSeconds > 0, "Router:CooldownSeconds", $"must be positive, got {router.CooldownSeconds}");
        Check(router.FailureThreshold > 0, "Router:FailureThreshold", $"must be positive, got {router.FailureThreshold}");
        Check(router.LatencyWindowSize > 0, "Router:LatencyWindowSize", $"must be positive, got {router.LatencyWindowSize}");
        Check(router.LatencyBuffer >= 0, "Router:LatencyBuffer", $"must be 0 or more, got {router.LatencyBuffer}");
        Check(router.SessionLoadFactor >= 1, "Router:SessionLoadFactor", $"must be 1 or more, got {router.SessionLoadFactor}");
        foreach (var (key, seconds) in new[]
                 {
                     ("Router:RequestTimeoutSeconds", router.RequestTimeoutSeconds), ("Router:FirstTokenTimeoutSeconds", router.FirstTokenTimeoutSeconds),
                     ("Router:ConnectTimeoutSeconds", router.ConnectTimeoutSeconds), ("Router:CooldownSeconds", router.CooldownSeconds),
                     ("Router:CapacityWaitSeconds", router.CapacityWaitSeconds), ("Router:LatencyReprobeSeconds", router.LatencyReprobeSeconds),
                     ("Gateway:ShutdownDrainSeconds", gateway.ShutdownDrainSeconds), ("Cluster:SplitBrainStableAfterSeconds", cluster.SplitBrainStableAfterSeconds),
                     ("Cluster:DownRemovalMarginSeconds", cluster.DownRemovalMarginSeconds),
                 })
            Check(seconds <= MaxDurationSeconds, key, $"must be at most {MaxDurationSeconds} s (24 days), got {seconds}");
        if (!string.IsNullOrWhiteSpace(router.UpstreamCaBundle))
        {
            try { UpstreamTrust.LoadBundle(router.UpstreamCaBundle); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or InvalidDataException or ArgumentException)
            {
                problems.Add($"Router:UpstreamCaBundle: cannot use '{router.UpstreamCaBundle}' as a PEM CA bundle: {e.Message}");
            }
        }
        Check(router.MaxAcquireAttempts > 0, "Router:MaxAcquireAttempts", $"must be positive, got {router.MaxAcquireAttempts}");
        Check(router.SpareIdleSeconds is > 0 and <= 3600, "Router:SpareIdleSeconds",
            $"must be above 0 and at most 3600 (seconds a spare lease may wait unused before it is given back), got {router.SpareIdleSeconds}");
        Check(router.ActivityBatchMilliseconds is >= 0.1 and <= 1000, "Router:ActivityBatchMilliseconds",
            $"must be between 0.1 and 1000 (milliseconds a release to another node may wait to travel with others), got {router.ActivityBatchMilliseconds}");

        Check(settings.ModelGroups.Count > 0, "ModelGroups", "no model group is configured; add at least one with its endpoints");
        var endpointGroups = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (groupName, group) in settings.ModelGroups)
        {
            var groupKey = $"ModelGroups:{groupName}";
            // The same name and id rules as admin writes (DefinitionValidator), so whatever configuration defines can be
            // shown, drained and removed through the admin API.
            if (DefinitionValidator.GroupNameProblem(groupName) is { } groupNameProblem) problems.Add($"{groupKey}: {groupNameProblem}");
            Check(strategies.Contains(group.Strategy), $"{groupKey}:Strategy",
                $"unknown strategy '{group.Strategy}' (known: {string.Join(", ", strategies.Names.Order())})");
            // A group without endpoints would be listed in /v1/models and answer every request with 503.
            Check(group.Endpoints.Count > 0, $"{groupKey}:Endpoints",
                $"group '{groupName}' has no endpoints; add at least one under {groupKey}:Endpoints (or remove the group)");
            foreach (var (list, key) in new[] { (group.Fallbacks, "Fallbacks"), (group.ContextWindowFallbacks, "ContextWindowFallbacks") })
                foreach (var fallback in list)
                    Check(settings.ModelGroups.ContainsKey(fallback) && fallback != groupName, $"{groupKey}:{key}",
                        fallback == groupName ? "a group cannot fall back to itself" : $"'{fallback}' is not a configured model group");

            foreach (var (endpointId, endpoint) in group.Endpoints)
            {
                var key = $"{groupKey}:Endpoints:{endpointId}";
                if (!endpointGroups.TryAdd(endpointId, groupName))
                    problems.Add($"{key}: endpoint id '{endpointId}' is also used in group '{endpointGroups[endpointId]}'; ids must be unique");
                if (SimulatedUrls.TryGetName(endpoint.Url, out var simulator))
                {
                    if (DefinitionValidator.IdProblem(endpointId) is { } idProblem) problems.Add($"{key}: {idProblem}");
                    Check(settings.Simulators.ContainsKey(simulator), $"{key}:Url", $"'{endpoint.Url}' names no entry under Simulators");
                }
                else
                {
                    foreach (var problem in DefinitionValidator.Validate(RouterClusterSettingsFactory.ToDefinition(groupName, endpointId, endpoint, endpoint.Url)))
                        problems.Add($"{key}: {problem}");
                }
                Check(endpoint.Fencing.ToLowerInvariant() is "available" or "strict", $"{key}:Fencing",
                    $"must be 'available' or 'strict', got '{endpoint.Fencing}'");
                if (!string.IsNullOrWhiteSpace(endpoint.ApiKeyEnv))
                    Check(!string.IsNullOrEmpty(environment(endpoint.ApiKeyEnv)), $"{key}:ApiKeyEnv",
                        $"the environment variable '{endpoint.ApiKeyEnv}' is not set");
                Check(UpstreamAuth.IsKnown(endpoint.Auth?.Trim()), $"{key}:Auth",
                    $"unknown auth style '{endpoint.Auth}' (known: {string.Join(", ", UpstreamAuth.All)})");
                Check(endpoint.Auth?.Trim().ToLowerInvariant() != UpstreamAuth.None || string.IsNullOrWhiteSpace(endpoint.ApiKeyEnv), $"{key}:Auth",
                    $"is 'none' but ApiKeyEnv names '{endpoint.ApiKeyEnv}': the key would never be sent; remove one of them");
                foreach (var (header, variable) in endpoint.HeadersFromEnv)
                {
                    Check(!string.IsNullOrWhiteSpace(variable) && !string.IsNullOrEmpty(environment(variable)), $"{key}:HeadersFromEnv:{header}",
                        $"the environment variable '{variable}' is not set");
                }
            }
        }

        foreach (var (name, simulator) in settings.Simulators)
        {
            try { simulator.Validate(); }
            catch (ArgumentException e) { problems.Add($"Simulators:{name}: {e.Message}"); }
        }
        return problems;
    }

    /// <summary>
    /// A gateway that joins other nodes needs a registry every gateway shares (postgresql, or one SQLite file all of
    /// them open), or the operator's explicit acceptance of a local one.
    /// </summary>
    private static IEnumerable<string> SharedRegistryProblems(NodeOptions settings)
    {
        var registry = settings.Registry;
        var provider = registry.Provider.ToLowerInvariant();
        if (registry.SharedFile && provider != "sqlite")
            yield return $"Registry:SharedFile: only applies to sqlite (one file every gateway opens); the provider is '{registry.Provider}'";
        var cluster = settings.Cluster;
        var isGateway = cluster.Roles.Count == 0 || cluster.Roles.Contains(RouterClusterSettings.GatewayRole);
        if (provider is not ("memory" or "sqlite") || (provider == "sqlite" && registry.SharedFile) || registry.AllowLocal || !isGateway) yield break;
        var self = $"akka.tcp://{RouterClusterSettings.DefaultSystemName}@{cluster.PublicHostname ?? cluster.Hostname}:{cluster.Port}";
        var others = cluster.SeedNodes.Where(s => !string.Equals(s.TrimEnd('/'), self, StringComparison.OrdinalIgnoreCase)).ToList();
        if (others.Count == 0) yield break;
        var local = provider == "memory" ? "is local to this process" : "is local to this host";
        yield return $"Registry:Provider: '{provider}' {local}; Cluster:SeedNodes names other gateways ({string.Join(", ", others)}), and a cluster of several " +
                     "gateways needs a shared registry: postgresql, or one SQLite file that every gateway opens (then set Registry:SharedFile=true). " +
                     "Or set Registry:AllowLocal=true to accept that runtime changes then live in the replicated directory and in the journal of the node " +
                     "hosting the registry, so after a full cluster restart only what that node's journal holds comes back";
    }
}
