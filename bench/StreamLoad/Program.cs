// Load client of bench/streaming/run.sh: opens N streaming chat completions ("stream": true) against one url, at a
// given rate, keeps them all open while they stream, and reads each response incrementally as server-sent events:
// it counts the `data:` events as they arrive and takes `data: [DONE]` as the end (no response is buffered whole).
//
//   dotnet StreamLoad.dll --url http://127.0.0.1:18410/v1/chat/completions --streams 2000 --open-rate 1000
//
// Prints, on stdout, one line for the script (read with bench/lib.sh's bench_field):
//   BENCH streams=N completed=C failed=F chunks=K bytes=B ttft_p50_ms=.. ttft_p99_ms=.. ttft_max_ms=..
//         duration_p50_s=.. max_open=.. wall_s=..
//   ERRORS kind=count ...   (kinds: http-<status>, connect:<reason>, send:<reason>, read:<reason>, ended-early, timeout, ...)
// and progress on stderr. A stream is completed when its response was 200 and [DONE] arrived before the end of the
// body; chunks counts the data events before [DONE] of every stream (completed or not).
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

var options = Options.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("""
        usage: StreamLoad --url URL [--streams N] [--open-rate PER_SECOND] [--model NAME] [--max-tokens N]
                          [--timeout SECONDS] [--progress SECONDS]
          --streams     concurrent streams to open (default 100)
          --open-rate   streams opened per second, evenly spaced; 0 opens all at once (default 1000)
          --max-tokens  sent as max_tokens (default: none, the server's own length)
          --timeout     per stream, from its request to the end of its body (default 120)
        """);
    return 2;
}

var handler = new SocketsHttpHandler
{
    UseProxy = false,
    UseCookies = false,
    AllowAutoRedirect = false,
    AutomaticDecompression = DecompressionMethods.None,
    // One HTTP/1.1 connection per open stream, as N separate clients would have.
    MaxConnectionsPerServer = Math.Max(options.Streams, 1),
    ConnectTimeout = TimeSpan.FromSeconds(30),
    PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
};
using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
var body = Encoding.UTF8.GetBytes(options.Body());
var stats = new Stats(options.Streams);

var started = Stopwatch.GetTimestamp();
using var progressStop = new CancellationTokenSource();
var progress = Task.Run(async () =>
{
    try
    {
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(options.ProgressSeconds), progressStop.Token);
            Console.Error.WriteLine(stats.Progress(Stopwatch.GetElapsedTime(started)));
        }
    }
    catch (OperationCanceledException) { }
});

var streams = new Task[options.Streams];
for (var i = 0; i < options.Streams; i++)
{
    if (options.OpenRate > 0)
    {
        var due = TimeSpan.FromSeconds(i / options.OpenRate) - Stopwatch.GetElapsedTime(started);
        if (due > TimeSpan.FromMilliseconds(1)) await Task.Delay(due);
    }
    streams[i] = Task.Run(() => RunStream(client, options, body, stats));
}
await Task.WhenAll(streams);
var wall = Stopwatch.GetElapsedTime(started);
await progressStop.CancelAsync();
await progress;

Console.Error.WriteLine(stats.Progress(wall));
foreach (var (kind, example) in stats.Examples.OrderBy(e => e.Key, StringComparer.Ordinal))
    Console.Error.WriteLine($"first '{kind}': {example}");
Console.WriteLine(stats.Summary(wall));
Console.WriteLine(stats.ErrorLine());
return 0;

static async Task RunStream(HttpClient client, Options options, byte[] body, Stats stats)
{
    using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(options.TimeoutSeconds));
    var start = Stopwatch.GetTimestamp();
    var sse = new SseCounter();
    string? error = null;
    var phase = "send";
    stats.Opened();
    try
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var text = await response.Content.ReadAsStringAsync(deadline.Token);
            error = $"http-{(int)response.StatusCode}";
            stats.Example(error, text.Length > 300 ? text[..300] : text);
            return;
        }
        phase = "read";
        await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token);
        var buffer = new byte[4096];
        int read;
        while ((read = await stream.ReadAsync(buffer, deadline.Token)) > 0)
        {
            var before = sse.Events;
            sse.Feed(buffer.AsSpan(0, read));
            if (before == 0 && sse.Events > 0) stats.FirstToken(Stopwatch.GetElapsedTime(start));
            stats.Received(read, sse.Events - before - (sse.Done && before < sse.Events ? 1 : 0));
            if (sse.Done) break;
        }
        if (!sse.Done) { error = "ended-early"; return; }
        // The server ends the body after [DONE]; read to its end so the connection is reused cleanly.
        while (await stream.ReadAsync(buffer, deadline.Token) > 0) { }
    }
    catch (OperationCanceledException) when (deadline.IsCancellationRequested)
    {
        error = "timeout";
    }
    catch (Exception e)
    {
        error = Classify(phase, e);
        stats.Example(error, e.ToString());
    }
    finally
    {
        stats.Closed(error, Stopwatch.GetElapsedTime(start));
    }
}

static string Classify(string phase, Exception e)
{
    // The most specific reason .NET gives: the HTTP error kind, else the socket error, else the exception type.
    for (var x = e; x is not null; x = x.InnerException)
    {
        if (x is SocketException se) return $"{phase}:{se.SocketErrorCode}";
    }
    return e switch
    {
        HttpRequestException { HttpRequestError: var kind and not HttpRequestError.Unknown } => $"{phase}:{kind}",
        HttpIOException { HttpRequestError: var kind } => $"{phase}:{kind}",
        _ => $"{phase}:{e.GetType().Name}",
    };
}

/// <summary>Command line.</summary>
internal sealed record Options(string Url, int Streams, double OpenRate, string Model, int? MaxTokens, double TimeoutSeconds, double ProgressSeconds)
{
    public string Body()
    {
        var maxTokens = MaxTokens is { } m ? $",\"max_tokens\":{m}" : "";
        return $"{{\"model\":\"{Model}\",\"messages\":[{{\"role\":\"user\",\"content\":\"Tell me a long story.\"}}],\"stream\":true{maxTokens}}}";
    }

    public static Options? Parse(string[] args)
    {
        string? url = null;
        int streams = 100;
        double openRate = 1000, timeout = 120, progress = 5;
        string model = "gpt-4o-mini";
        int? maxTokens = null;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            if (value is null) return null;
            switch (args[i])
            {
                case "--url": url = value; break;
                case "--streams": streams = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--open-rate": openRate = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--model": model = value; break;
                case "--max-tokens": maxTokens = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--timeout": timeout = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--progress": progress = double.Parse(value, CultureInfo.InvariantCulture); break;
                default: return null;
            }
            i++;
        }
        return url is null || streams < 1 || openRate < 0 || timeout <= 0 || progress <= 0
            ? null
            : new Options(url, streams, openRate, model, maxTokens, timeout, progress);
    }
}

/// <summary>
/// Counts server-sent events as bytes arrive, in any split: a line that starts with "data:" is one event, and
/// "data: [DONE]" (optional space, optional \r) is the end. Only the first bytes of each line are kept.
/// </summary>
internal sealed class SseCounter
{
    private readonly byte[] _head = new byte[16];
    private int _headLength;
    private long _lineLength;

    /// <summary>Data events seen, [DONE] included.</summary>
    public int Events { get; private set; }

    public bool Done { get; private set; }

    public void Feed(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty && !Done)
        {
            var newline = data.IndexOf((byte)'\n');
            var part = newline < 0 ? data : data[..newline];
            var keep = Math.Min(part.Length, _head.Length - _headLength);
            part[..keep].CopyTo(_head.AsSpan(_headLength));
            _headLength += keep;
            _lineLength += part.Length;
            if (newline < 0) return;
            EndLine();
            data = data[(newline + 1)..];
        }
    }

    private void EndLine()
    {
        var line = _head.AsSpan(0, _headLength);
        if (_lineLength == _headLength && line.EndsWith((byte)'\r')) line = line[..^1];
        if (line.StartsWith("data:"u8))
        {
            Events++;
            var payload = line[5..];
            if (payload.StartsWith((byte)' ')) payload = payload[1..];
            if (_lineLength <= _head.Length && payload.SequenceEqual("[DONE]"u8)) Done = true;
        }
        _headLength = 0;
        _lineLength = 0;
    }
}

/// <summary>Counters shared by every stream.</summary>
internal sealed class Stats(int streams)
{
    private readonly ConcurrentDictionary<string, int> _errors = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<double> _ttftMs = [];
    private readonly ConcurrentBag<double> _durationsS = [];
    private long _chunks, _bytes;
    private int _opened, _open, _maxOpen, _closed, _completed;

    public ConcurrentDictionary<string, string> Examples { get; } = new(StringComparer.Ordinal);

    public void Opened()
    {
        Interlocked.Increment(ref _opened);
        var open = Interlocked.Increment(ref _open);
        int max;
        while (open > (max = Volatile.Read(ref _maxOpen)) && Interlocked.CompareExchange(ref _maxOpen, open, max) != max) { }
    }

    public void FirstToken(TimeSpan elapsed) => _ttftMs.Add(elapsed.TotalMilliseconds);

    public void Received(int bytes, int chunks)
    {
        Interlocked.Add(ref _bytes, bytes);
        Interlocked.Add(ref _chunks, chunks);
    }

    public void Example(string kind, string text) => Examples.TryAdd(kind, text.ReplaceLineEndings(" | "));

    public void Closed(string? error, TimeSpan elapsed)
    {
        Interlocked.Decrement(ref _open);
        Interlocked.Increment(ref _closed);
        if (error is null)
        {
            Interlocked.Increment(ref _completed);
            _durationsS.Add(elapsed.TotalSeconds);
        }
        else
        {
            _errors.AddOrUpdate(error, 1, static (_, n) => n + 1);
        }
    }

    public string Progress(TimeSpan elapsed) => string.Create(CultureInfo.InvariantCulture,
        $"[{elapsed.TotalSeconds,5:0.0}s] opened {Volatile.Read(ref _opened)}/{streams}, open {Volatile.Read(ref _open)}, completed {Volatile.Read(ref _completed)}, failed {Volatile.Read(ref _closed) - Volatile.Read(ref _completed)}, chunks {Interlocked.Read(ref _chunks)}, first tokens {_ttftMs.Count}");

    public string Summary(TimeSpan wall)
    {
        var ttft = _ttftMs.Order().ToArray();
        var durations = _durationsS.Order().ToArray();
        return string.Create(CultureInfo.InvariantCulture,
            $"BENCH streams={streams} completed={_completed} failed={_closed - _completed} chunks={_chunks} bytes={_bytes} first_tokens={ttft.Length} " +
            $"ttft_p50_ms={Percentile(ttft, 0.50):0.0} ttft_p99_ms={Percentile(ttft, 0.99):0.0} ttft_max_ms={(ttft.Length > 0 ? ttft[^1] : 0):0.0} " +
            $"duration_p50_s={Percentile(durations, 0.50):0.00} duration_p99_s={Percentile(durations, 0.99):0.00} max_open={_maxOpen} wall_s={wall.TotalSeconds:0.00}");
    }

    public string ErrorLine() =>
        "ERRORS " + (_errors.IsEmpty ? "none" : string.Join(' ', _errors.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}")));

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
}
