using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Event;
using Microsoft.Extensions.Logging;

namespace Router.Actors.Registry;

/// <summary>
/// The registry's operator-facing lines (where it is, what it replayed, what configuration changed). They go to the
/// host's <see cref="ILogger"/> (category Router.Actors.Registry) when the actor system runs in a host, so they show at
/// Information even where Akka's own logging is kept at Warning; otherwise to Akka's log.
/// </summary>
internal sealed class RegistryLog
{
    private static readonly Action<ILogger, string, Exception?> InfoLine =
        LoggerMessage.Define<string>(Microsoft.Extensions.Logging.LogLevel.Information, new EventId(4100, "Registry"), "{Line}");
    private static readonly Action<ILogger, string, Exception?> WarningLine =
        LoggerMessage.Define<string>(Microsoft.Extensions.Logging.LogLevel.Warning, new EventId(4101, "RegistryWarning"), "{Line}");

    private readonly ILogger? _logger;
    private readonly ILoggingAdapter _akka;

    public RegistryLog(IActorContext context)
    {
        _akka = context.GetLogger();
        try
        {
            _logger = (DependencyResolver.For(context.System).Resolver.GetService<ILoggerFactory>())?.CreateLogger("Router.Actors.Registry");
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException or ArgumentException)
        {
            _logger = null; // no host: Akka's log
        }
    }

    public void Info(string line)
    {
        if (_logger is not null) InfoLine(_logger, line, null);
        else _akka.Info(line);
    }

    public void Warning(string line)
    {
        if (_logger is not null) WarningLine(_logger, line, null);
        else _akka.Warning(line);
    }
}
