using System.Collections.Concurrent;
using System.Text;

namespace Router.Cluster.Tests;

/// <summary>Closed-loop load: each worker sends one chat completion after another to the gateways in turn.</summary>
public sealed class LoadGenerator : IAsyncDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(2) })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _workers = [];
    private volatile NodeProcess[] _targets;

    public sealed record Result(DateTime StartedAt, DateTime EndedAt, string Node, int Status, string? Endpoint, string? Error);

    public LoadGenerator(IEnumerable<NodeProcess> targets) => _targets = targets.ToArray();

    public ConcurrentQueue<Result> Results { get; } = new();

    /// <summary>New requests go only to these nodes from now on (requests already sent finish where they are).</summary>
    public void SendTo(params NodeProcess[] targets) => _targets = targets;

    public void Start(int workers, string model)
    {
        for (var i = 0; i < workers; i++)
        {
            var worker = i;
            _workers.Add(Task.Run(() => RunAsync(worker, model)));
        }
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
    }

    private async Task RunAsync(int worker, string model)
    {
        var body = $$"""{"model":"{{model}}","messages":[{"role":"user","content":"worker {{worker}}"}]}""";
        for (var n = 0; !_stop.IsCancellationRequested; n++)
        {
            var targets = _targets;
            var node = targets[(worker + n) % targets.Length];
            var started = DateTime.UtcNow;
            try
            {
                using var response = await _http.PostAsync(node.GatewayUrl + "/v1/chat/completions",
                    new StringContent(body, Encoding.UTF8, "application/json"));
                var text = await response.Content.ReadAsStringAsync();
                var endpoint = response.Headers.TryGetValues("x-router-endpoint", out var values) ? values.First() : null;
                Results.Enqueue(new Result(started, DateTime.UtcNow, node.Name, (int)response.StatusCode, endpoint,
                    response.IsSuccessStatusCode ? null : text));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                Results.Enqueue(new Result(started, DateTime.UtcNow, node.Name, 0, null, e.Message));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await StopAsync();
        _http.Dispose();
        _stop.Dispose();
    }
}
