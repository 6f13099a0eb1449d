using Router.Node.Observability;
using Router.Simulator;

namespace Router.Node.Configuration;

/// <summary>
/// The whole configuration of a node, bound from ordinary .NET configuration (appsettings.json or the file
/// given with --config, environment variables such as Router__Retries=3, command-line --Router:Retries=3).
/// </summary>
public sealed class NodeOptions
{
    public GatewayOptions Gateway { get; set; } = new();
    public NodeClusterOptions Cluster { get; set; } = new();
    public RouterOptions Router { get; set; } = new();
    public AdminOptions Admin { get; set; } = new();
    public RegistryOptions Registry { get; set; } = new();
    public TelemetryOptions Telemetry { get; set; } = new();

    /// <summary>Model groups by the name clients send as "model".</summary>
    public Dictionary<string, ModelGroupOptions> ModelGroups { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Simulated endpoints the node starts itself; endpoint urls refer to them as sim://name.</summary>
    public Dictionary<string, SimulatorOptions> Simulators { get; set; } = new(StringComparer.Ordinal);
}

public sealed class GatewayOptions
{
    /// <summary>Where the OpenAI-compatible API listens (semicolon-separated).</summary>
    public string Urls { get; set; } = "http://localhost:4000";

    /// <summary>Keys clients must send as "Authorization: Bearer ..."; empty lets every client in.</summary>
    public List<string> ApiKeys { get; set; } = [];

    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;
    public int MaxRequestHeadersBytes { get; set; } = 32 * 1024;

    /// <summary>How long a stopping node waits for requests in flight before leaving the cluster.</summary>
    public double ShutdownDrainSeconds { get; set; } = 30;
}

public sealed class NodeClusterOptions
{
    public string Hostname { get; set; } = "127.0.0.1";
    public int Port { get; set; } = 4053;
    public string? PublicHostname { get; set; }

    /// <summary>akka.tcp://llm-router@host:port; empty forms a single-node cluster.</summary>
    public List<string> SeedNodes { get; set; } = [];

    public List<string> Roles { get; set; } = [];
    public int ShardCount { get; set; } = 100;

    /// <summary>Keep-majority split-brain resolver: how long membership must be stable before unreachable nodes are downed.</summary>
    /// <remarks>7 s after a 3 s failure detection: a crashed node's endpoints serve again elsewhere within ~12 s, while
    /// an authority cut off from the majority has stopped granting 2 s after its last answered quorum round.</remarks>
    public double SplitBrainStableAfterSeconds { get; set; } = 7;

    /// <summary>How long sharding and singletons wait after a node is removed before starting its shards elsewhere.</summary>
    /// <remarks>Akka's default is the stable-after (7 s more of failover). Leases do not need it: an endpoint actor cut off
    /// from the majority stopped granting 2 s after its last answered quorum round, long before it can be downed, and a
    /// new incarnation collects held leases itself. The margin left covers the registry singleton's overlap.</remarks>
    public double DownRemovalMarginSeconds { get; set; } = 1;
}

public sealed class RouterOptions
{
    /// <summary>Extra upstream attempts on other endpoints after a retryable failure.</summary>
    public int Retries { get; set; } = 2;

    public double RequestTimeoutSeconds { get; set; } = 600;

    /// <summary>Streaming requests fail over when no byte arrives within this time.</summary>
    public double FirstTokenTimeoutSeconds { get; set; } = 60;

    public double ConnectTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// Path of a PEM file with CA certificates trusted for HTTPS upstreams in addition to the system trust store
    /// (self-hosted endpoints behind an internal CA). One bundle for every endpoint of the node; host names are
    /// always checked.
    /// </summary>
    public string? UpstreamCaBundle { get; set; }

    /// <summary>When every endpoint is at its in-flight cap, wait up to this long for one to free up before answering 429.</summary>
    public double CapacityWaitSeconds { get; set; } = 5;
    public double CooldownSeconds { get; set; } = 30;
    public int FailureThreshold { get; set; } = 3;
    public int LatencyWindowSize { get; set; } = 100;
    public double LatencyBuffer { get; set; } = 0.1;
    public double LatencyReprobeSeconds { get; set; } = 10;
    public double SessionLoadFactor { get; set; } = 1.25;
    public int MaxAcquireAttempts { get; set; } = 3;

    /// <summary>
    /// Grant leases on endpoints with nothing to cap (no MaxInFlight, Rpm or Tpm; breaker closed) here, without a round
    /// trip to their actor on another node; the actor still counts them. Off: every lease is asked for.
    /// </summary>
    public bool LocalGrants { get; set; } = true;

    /// <summary>
    /// Borrow from capped endpoints whose actors live on other nodes, and grant requests on what they lent here without
    /// a round trip: spare leases for MaxInFlight (slots the actor counts, renewed and fenced like any lease), budget for
    /// Rpm/Tpm (requests and tokens the actor counts as used when it lends them). Lent only below half of each limit.
    /// Off: every lease on a capped endpoint is asked for.
    /// </summary>
    public bool SpareLeases { get; set; } = true;

    /// <summary>How long a spare lease may wait unused on this node before it is given back.</summary>
    public double SpareIdleSeconds { get; set; } = 5;

    /// <summary>How long grants and releases for endpoints on other nodes are held to be sent together, per node.</summary>
    public double ActivityBatchMilliseconds { get; set; } = 5;

    /// <summary>Custom strategies: name to assembly-qualified type name of an IRoutingStrategy.</summary>
    public Dictionary<string, string> CustomStrategies { get; set; } = new(StringComparer.Ordinal);
}

public sealed class ModelGroupOptions
{
    public string Strategy { get; set; } = "round-robin";
    public List<string> Fallbacks { get; set; } = [];
    public List<string> ContextWindowFallbacks { get; set; } = [];

    /// <summary>Endpoints by id; ids are unique across all groups.</summary>
    public Dictionary<string, EndpointOptions> Endpoints { get; set; } = new(StringComparer.Ordinal);
}

public sealed class EndpointOptions
{
    /// <summary>OpenAI-style API base, e.g. https://api.openai.com/v1 or http://vllm:8000/v1, or sim://name.</summary>
    public string Url { get; set; } = "";

    /// <summary>Name of the environment variable holding the upstream API key (never the key itself).</summary>
    public string? ApiKeyEnv { get; set; }

    /// <summary>How the key is sent: bearer (Authorization: Bearer, the default), api-key (Azure's api-key header) or none.</summary>
    public string? Auth { get; set; }

    /// <summary>Sent as the api-version query parameter (Azure OpenAI's classic /openai/deployments/{name} urls).</summary>
    public string? ApiVersion { get; set; }

    /// <summary>Extra upstream headers: header name to the environment variable holding its value (treated as a secret).</summary>
    public Dictionary<string, string> HeadersFromEnv { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Model name sent upstream when it differs from the group name.</summary>
    public string? UpstreamModel { get; set; }

    public int Weight { get; set; } = 1;
    public int? MaxInFlight { get; set; }
    public int? Rpm { get; set; }
    public long? Tpm { get; set; }
    public int Order { get; set; }
    public List<string> Tags { get; set; } = [];
    public int? ContextWindow { get; set; }
    public double InputCostPer1KTokens { get; set; }
    public double OutputCostPer1KTokens { get; set; }

    /// <summary>
    /// "available" (default): a silent gateway's slots come back after the lease TTL (10 s); only a gateway frozen
    /// longer than that can overshoot the cap, and that is logged and counted. "strict": they come back only at the
    /// request deadline or when that gateway restarted, so the cap holds under any pause.
    /// </summary>
    public string Fencing { get; set; } = "available";
}

public sealed class AdminOptions
{
    /// <summary>Where the admin API listens; keep it on loopback or a private network.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:9110";

    /// <summary>Bearer token the admin API requires; empty disables the admin API.</summary>
    public string? Token { get; set; }
}

public sealed class RegistryOptions
{
    /// <summary>Where runtime changes to the registry are persisted: sqlite (default), postgresql, or memory (lost on restart).</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>
    /// Empty for sqlite: the file is <see cref="DefaultSqliteFile"/>, one per configuration, so a node started with
    /// another configuration never replays an earlier run's groups.
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>The sqlite file of the embedded default configuration (no --config), in the working directory.</summary>
    public const string EmbeddedDefaultFile = "router-registry.db";

    /// <summary>
    /// The sqlite file used when Registry:ConnectionString is not set, in the working directory: router-registry.db for the
    /// embedded default configuration, router-registry-&lt;file name&gt;-&lt;hash of its full path&gt;.db for a --config file.
    /// The journal then belongs to one configuration: the same --config replays its runtime changes, another starts empty.
    /// </summary>
    public static string DefaultSqliteFile(string? configFile)
    {
        if (configFile is null) return EmbeddedDefaultFile;
        var full = Path.GetFullPath(configFile);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(full)))[..8];
        var stem = new string(Path.GetFileNameWithoutExtension(full).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
        return $"router-registry-{stem}-{hash}.db";
    }

    /// <summary>Fills in the per-configuration sqlite file when no connection string is set; says whether it did.</summary>
    public bool ApplyDefaultConnectionString(string? configFile)
    {
        if (!string.IsNullOrWhiteSpace(ConnectionString) || !Provider.Equals("sqlite", StringComparison.OrdinalIgnoreCase)) return false;
        ConnectionString = $"Data Source={DefaultSqliteFile(configFile)}";
        return true;
    }

    /// <summary>
    /// sqlite only: every gateway of the cluster opens this same file (several processes on one host), so the
    /// registry is shared. Nothing can check that from one node's configuration: it is the operator's statement.
    /// </summary>
    public bool SharedFile { get; set; }

    /// <summary>
    /// Accept a registry local to each gateway (memory, or a SQLite file per host) in a cluster of several gateways.
    /// Runtime changes still survive the registry moving (the replicated directory carries them), but a full cluster
    /// restart brings back only what the journal of the node that hosts the registry first holds.
    /// </summary>
    public bool AllowLocal { get; set; }

    /// <summary>Where the registry is, for the logs (no password).</summary>
    public string Describe()
    {
        switch (Provider.ToLowerInvariant())
        {
            case "memory":
                return "memory journal (this process only)";
            case "sqlite":
                var file = Part("Data Source") ?? Part("DataSource") ?? Part("Filename") ?? ConnectionString;
                return $"sqlite {Path.GetFullPath(file)} ({(SharedFile ? "one file shared by every gateway" : "this host only")})";
            default:
                return $"postgresql {string.Join(";", new[] { "Host", "Server", "Port", "Database" }.Select(k => Part(k) is { } v ? $"{k}={v}" : null).OfType<string>())}";
        }
    }

    private string? Part(string key)
    {
        var builder = new System.Data.Common.DbConnectionStringBuilder();
        try { builder.ConnectionString = ConnectionString; }
        catch (ArgumentException) { return null; }
        return builder.TryGetValue(key, out var value) && value?.ToString() is { Length: > 0 } text ? text : null;
    }
}
