using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Router.Node.Tests;

/// <summary>One log record as the host's loggers wrote it: level, event id, category, the rendered line, the values and any exception.</summary>
public sealed record CapturedRecord(
    LogLevel Level, EventId EventId, string Category, string Message, IReadOnlyDictionary<string, object?> Values, Exception? Exception)
{
    public string? Value(string name) => Values.TryGetValue(name, out var value) ? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) : null;

    public override string ToString() => $"{Level} {EventId.Id} {Category}: {Message}" + (Exception is null ? "" : $" [{Exception.GetType().Name}]");
}

/// <summary>
/// An <see cref="ILoggerProvider"/> that keeps every record a node writes (subject to its Logging:LogLevel rules), so
/// tests can assert on what an operator would see.
/// </summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedRecord> _records = new();

    public IReadOnlyList<CapturedRecord> Records => _records.ToArray();

    /// <summary>Adds a capture to a built node's logger factory; loggers created earlier (actors, handlers) get it too.</summary>
    public static LogCapture AttachTo(GatewayNode node)
    {
        var capture = new LogCapture();
        node.App.Services.GetRequiredService<ILoggerFactory>().AddProvider(capture);
        return capture;
    }

    /// <summary>How many records there are now: pass it to <see cref="WaitFor"/> to look only at later ones.</summary>
    public int Mark() => _records.Count;

    /// <summary>Waits until a record (after <paramref name="since"/>) matches, polling like the other wait helpers; fails with every record seen.</summary>
    public async Task<CapturedRecord> WaitFor(Func<CapturedRecord, bool> match, string what, int since = 0, double timeoutSeconds = 20) =>
        (await Eventually.Until(() => _records.Skip(since).FirstOrDefault(match), record => record is not null, $"a log record {what} is written",
            TimeSpan.FromSeconds(timeoutSeconds), describe: _ => $"no such record; records:{Environment.NewLine}{string.Join(Environment.NewLine, _records)}"))!;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _records);

    public void Dispose() { }

    private sealed class Logger(string category, ConcurrentQueue<CapturedRecord> records) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? pairs.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value)
                : new Dictionary<string, object?>();
            records.Enqueue(new CapturedRecord(logLevel, eventId, category, formatter(state, exception), values, exception));
        }
    }
}
