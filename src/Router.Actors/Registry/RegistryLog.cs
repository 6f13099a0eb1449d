using Akka.Actor;
using Microsoft.Extensions.Logging;
using Router.Actors.Hosting;

namespace Router.Actors.Registry;

/// <summary>
/// The registry's operator-facing lines (event ids 4100-4199: where it is, what it replayed, what configuration
/// changed). They go to the host's <see cref="ILogger"/> (category Router.Actors.Registry) when the actor system runs in
/// a host, so they show at Information even where Akka's own logging is kept at Warning; otherwise to Akka's log.
/// </summary>
internal sealed partial class RegistryLog(IActorContext context)
{
    private readonly ILogger _logger = ActorLoggers.For(context, "Router.Actors.Registry");

    public void Info(string line) => InfoLine(_logger, line);

    public void Warning(string line) => WarningLine(_logger, line);

    [LoggerMessage(4100, LogLevel.Information, "{Line}", EventName = "Registry")]
    private static partial void InfoLine(ILogger logger, string line);

    [LoggerMessage(4101, LogLevel.Warning, "{Line}", EventName = "RegistryWarning")]
    private static partial void WarningLine(ILogger logger, string line);
}
