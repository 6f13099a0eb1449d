using System.Collections.Concurrent;
using Akka.Actor;
using Akka.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Router.Actors.Tests.Cluster;

/// <summary>The records a node's host loggers wrote (event id, rendered line, values): what an operator would read.</summary>
public sealed class LogRecords : ILoggerProvider
{
    private readonly ConcurrentQueue<(EventId EventId, string Message, Dictionary<string, string?> Values)> _records = new();

    public IReadOnlyList<(EventId EventId, string Message, Dictionary<string, string?> Values)> All => _records.ToArray();

    /// <summary>Captures what the node's actors log from now on (loggers they already made included).</summary>
    public static LogRecords AttachTo(ActorSystem system)
    {
        var records = new LogRecords();
        DependencyResolver.For(system).Resolver.GetService<ILoggerFactory>().AddProvider(records);
        return records;
    }

    public ILogger CreateLogger(string categoryName) => new Logger(_records);

    public void Dispose() { }

    private sealed class Logger(ConcurrentQueue<(EventId, string, Dictionary<string, string?>)> records) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = (state as IEnumerable<KeyValuePair<string, object?>> ?? [])
                .GroupBy(p => p.Key).ToDictionary(g => g.Key, g => Convert.ToString(g.Last().Value, System.Globalization.CultureInfo.InvariantCulture));
            records.Enqueue((eventId, formatter(state, exception), values));
        }
    }
}
