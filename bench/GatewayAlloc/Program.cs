using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;
using Router.Node;

// Allocated bytes per gateway request, measured in one process and independent of how busy the machine is:
// N sequential requests straight to a simulator (the client's allocations; the simulator is a process of its own),
// then the same N through the gateway (client + gateway); the difference is what the gateway allocates per request. Akka's and the
// runtime's background allocation is measured while idle and subtracted at the same rate. The process's CPU time per
// request is read the same way (one connection, so it includes waking threads for each request, as light load does).
//
//   dotnet run -c Release --project bench/GatewayAlloc [-- --requests 3000 --telemetry on|off --tracing]
var requests = IntArg("--requests", 3000);
var warmup = IntArg("--warmup", 2000);
var telemetry = StringArg("--telemetry", "on") != "off";
var tracing = args.Contains("--tracing");
var types = args.Contains("--types"); // sample allocated types (the runtime's AllocationTick, one per ~100 KB) per case

await using var sim = await SimulatorProcess.StartAsync(
    ("Name", "sim"), ("LatencyMs", "0"), ("TimeToFirstTokenMs", "0"), ("TokensPerSecond", "0"), ("CompletionTokens", "16"));
var config = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
{
    ["Gateway:Urls"] = "http://127.0.0.1:0",
    ["Admin:Urls"] = "http://127.0.0.1:0",
    ["Cluster:Hostname"] = "127.0.0.1",
    ["Cluster:Port"] = "0",
    ["Registry:Provider"] = "memory",
    ["Logging:LogLevel:Default"] = "Warning",
    ["Telemetry:Enabled"] = telemetry ? "true" : "false",
    ["Telemetry:Tracing"] = tracing ? "true" : "false",
    ["ModelGroups:bench:Strategy"] = "least-busy",
    ["ModelGroups:bench:Endpoints:sim:Url"] = sim.ApiBaseUrl,
};
await using var node = await GatewayNode.CreateAsync([], c =>
{
    c.Sources.Clear();
    c.AddInMemoryCollection(config);
});
await node.StartAsync();
var gateway = node.Urls.First().TrimEnd('/') + "/v1";

// The yardstick of bench/gateway/run.sh, in-process: plain YARP (as bench/gateway/YarpPeer, from in-memory config)
// in front of the same simulator, so "gateway" and "yarp" allocations are read in the same run.
var yarpBuilder = WebApplication.CreateSlimBuilder();
yarpBuilder.Logging.SetMinimumLevel(LogLevel.Warning);
yarpBuilder.WebHost.UseUrls("http://127.0.0.1:0");
yarpBuilder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "all", ClusterId = "sims", Match = new RouteMatch { Path = "/{**catch-all}" } }],
    [new ClusterConfig
    {
        ClusterId = "sims", LoadBalancingPolicy = "PowerOfTwoChoices",
        Destinations = new Dictionary<string, DestinationConfig> { ["sim"] = new() { Address = sim.BaseUrl + "/" } },
    }]);
await using var yarpApp = yarpBuilder.Build();
yarpApp.MapReverseProxy();
await yarpApp.StartAsync();
var yarp = yarpApp.Urls.First().TrimEnd('/') + "/v1";
using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 1 }) { Timeout = TimeSpan.FromSeconds(30) };
await WaitHealthyAsync(node.Urls.First().TrimEnd('/') + "/health");

var chat = """{"model":"bench","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Say hello in one short sentence."}]}""";
var stream = """{"model":"bench","stream":true,"messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Say hello in one short sentence."}]}""";
var streamUsage = """{"model":"bench","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Say hello in one short sentence."}]}""";
(string Name, string Body)[] cases = [("chat", chat), ("stream", stream), ("stream+usage", streamUsage)];

foreach (var (_, body) in cases)
{
    await RunAsync(sim.ApiBaseUrl, body, warmup);
    await RunAsync(gateway, body, warmup);
    await RunAsync(yarp, body, warmup);
}

Console.WriteLine($"Gateway allocation per request: {requests} sequential requests per row, telemetry {(telemetry ? "on" : "off")}{(tracing ? " + tracing" : "")}, " +
                  $".NET {Environment.Version}, {Environment.ProcessorCount} cores");
var idle = await IdleRateAsync(TimeSpan.FromSeconds(3));
Console.WriteLine($"background (idle) allocation: {idle.Bytes:N0} B/s and CPU {idle.CpuUs:N0} us/s, subtracted below");
Console.WriteLine($"{"case",-14} {"direct B/req",14} {"via gateway B/req",18} {"gateway B/req",14} {"yarp B/req",11} {"gateway - yarp",15}" +
                  $" {"gateway CPU us/req",19} {"yarp CPU us/req",16} {"ratio",6}");
using var sampler = types ? new AllocationSampler() : null;
var windows = new List<(string Case, DateTime From, DateTime Middle, DateTime To)>();
foreach (var (name, body) in cases)
{
    var from = DateTime.UtcNow;
    var direct = await MeasureAsync(sim.ApiBaseUrl, body, requests, idle);
    var middle = DateTime.UtcNow;
    var routed = await MeasureAsync(gateway, body, requests, idle);
    windows.Add((name, from, middle, DateTime.UtcNow));
    var viaYarp = await MeasureAsync(yarp, body, requests, idle);
    var (gatewayCpu, yarpCpu) = (routed.CpuUs - direct.CpuUs, viaYarp.CpuUs - direct.CpuUs);
    Console.WriteLine($"{name,-14} {direct.Bytes,14:N0} {routed.Bytes,18:N0} {routed.Bytes - direct.Bytes,14:N0} {viaYarp.Bytes - direct.Bytes,11:N0} " +
                      $"{routed.Bytes - viaYarp.Bytes,15:N0} {gatewayCpu,19:N1} {yarpCpu,16:N1} {gatewayCpu / yarpCpu,5:0.00}x");
}
if (sampler is not null) await Task.Delay(3000); // runtime events reach listeners through a dispatch thread
foreach (var (name, from, middle, to) in sampler is null ? [] : windows)
{
    var direct = sampler!.ByType(from, middle);
    var routed = sampler.ByType(middle, to);
    // Sampled bytes per request by type, via gateway minus direct: where the gateway's bytes go.
    Console.WriteLine();
    Console.WriteLine($"{name}: sampled B/req by type (via gateway - direct), top 30 ({sampler.Count} samples in all, {sampler.Range}; window {from:O}..{to:O})");
    foreach (var (type, bytes) in routed.Keys.Union(direct.Keys)
                 .Select(t => (t, (routed.GetValueOrDefault(t) - direct.GetValueOrDefault(t)) / (double)requests))
                 .OrderByDescending(x => Math.Abs(x.Item2)).Take(30))
        Console.WriteLine($"  {bytes,8:N0}  {type}");
}
return 0;

// Bytes allocated and CPU time (user + system, all threads of this process) per request, background subtracted.
async Task<(double Bytes, double CpuUs)> MeasureAsync(string baseUrl, string body, int n, (double Bytes, double CpuUs) idle)
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    var started = System.Diagnostics.Stopwatch.GetTimestamp();
    var before = GC.GetTotalAllocatedBytes(precise: true);
    var cpuBefore = Environment.CpuUsage.TotalTime;
    await RunAsync(baseUrl, body, n);
    var cpu = (Environment.CpuUsage.TotalTime - cpuBefore).TotalMicroseconds;
    var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
    var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
    return ((allocated - idle.Bytes * seconds) / n, (cpu - idle.CpuUs * seconds) / n);
}

async Task RunAsync(string baseUrl, string body, int n)
{
    var payload = Encoding.UTF8.GetBytes(body);
    for (var i = 0; i < n; i++)
    {
        using var content = new ByteArrayContent(payload);
        content.Headers.ContentType = new("application/json");
        using var response = await http.PostAsync(baseUrl + "/chat/completions", content);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"{baseUrl}: HTTP {(int)response.StatusCode}: {Encoding.UTF8.GetString(bytes)}");
    }
}

async Task<(double Bytes, double CpuUs)> IdleRateAsync(TimeSpan length)
{
    GC.Collect();
    var before = GC.GetTotalAllocatedBytes(precise: true);
    var cpuBefore = Environment.CpuUsage.TotalTime;
    var started = System.Diagnostics.Stopwatch.GetTimestamp();
    await Task.Delay(length);
    var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
    var cpu = (Environment.CpuUsage.TotalTime - cpuBefore).TotalMicroseconds;
    var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
    return (allocated / seconds, cpu / seconds);
}

async Task WaitHealthyAsync(string url)
{
    var deadline = DateTime.UtcNow.AddSeconds(60);
    while (true)
    {
        try
        {
            using var response = await http.GetAsync(url);
            if (response.StatusCode == HttpStatusCode.OK) return;
        }
        catch (HttpRequestException) { }
        if (DateTime.UtcNow > deadline) throw new TimeoutException("the gateway did not become healthy");
        await Task.Delay(100);
    }
}

int IntArg(string name, int fallback) =>
    Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;

string StringArg(string name, string fallback) =>
    Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;

/// <summary>Sums the runtime's AllocationTick samples (each stands for ~100 KB allocated) by type name.</summary>
sealed class AllocationSampler : System.Diagnostics.Tracing.EventListener
{
    private readonly List<(DateTime At, string Type, long Bytes)> _samples = [];
    private volatile bool _ready;

    public AllocationSampler() => _ready = true;

    public string Range { get { lock (_samples) return $"{_samples[0].At:O}..{_samples[^1].At:O} {_samples[0].At.Kind}"; } }

    public int Count { get { lock (_samples) return _samples.Count; } }

    public Dictionary<string, long> ByType(DateTime from, DateTime to)
    {
        lock (_samples)
            return _samples.Where(s => s.At >= from && s.At < to).GroupBy(s => s.Type).ToDictionary(g => g.Key, g => g.Sum(s => s.Bytes));
    }

    protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x1);
    }

    protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
    {
        if (!_ready || e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null) return;
        var type = e.PayloadNames!.IndexOf("TypeName") is var t and >= 0 ? e.Payload[t] as string ?? "?" : "?";
        var amount = e.PayloadNames!.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(e.Payload[a]) : 100_000;
        lock (_samples) _samples.Add((e.TimeStamp.ToUniversalTime(), type, amount));
    }
}
