using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Event;
using Microsoft.Extensions.Logging;
using AkkaLogLevel = Akka.Event.LogLevel;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Router.Actors.Hosting;

/// <summary>
/// The <see cref="ILogger"/> an actor writes its operator-facing lines to (the source-generated <c>*Log</c> classes).
/// In a host it is the host's logger (category = the actor's type), so those lines carry event ids and structured
/// values and their levels are set with <c>Logging:LogLevel</c>, independently of Akka's own log level (the node keeps
/// Akka's chatter at Warning). Without a host (plain TestKit, an embedding service without DI) the same lines go to
/// Akka's log, so EventFilter sees them.
/// </summary>
internal static class ActorLoggers
{
    private static readonly ConditionalWeakTable<ActorSystem, ILoggerFactory?> Factories = new();

    public static ILogger For<TActor>(IActorContext context) => For(context, typeof(TActor).FullName!);

    public static ILogger For(IActorContext context, string category)
    {
        var factory = Factories.GetValue(context.System, HostFactoryOf);
        return factory is not null ? factory.CreateLogger(category) : new AkkaLogger(context.GetLogger());
    }

    /// <summary>The same for code outside an actor (<see cref="RouterClient"/>).</summary>
    public static ILogger For(ActorSystem system, string category)
    {
        var factory = Factories.GetValue(system, HostFactoryOf);
        return factory is not null ? factory.CreateLogger(category) : new AkkaLogger(Logging.GetLogger(system, category));
    }

    private static ILoggerFactory? HostFactoryOf(ActorSystem system)
    {
        // Without a DependencyResolverSetup, DependencyResolver.For publishes an error and throws: ask first.
        if (!system.Settings.Setup.Get<DependencyResolverSetup>().HasValue) return null;
        try
        {
            return DependencyResolver.For(system).Resolver.GetService<ILoggerFactory>();
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException or Akka.Configuration.ConfigurationException)
        {
            return null; // no usable host: Akka's log
        }
    }

    /// <summary>Writes the formatted line to Akka's log (no host), at the matching level.</summary>
    private sealed class AkkaLogger(ILoggingAdapter akka) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && akka.IsEnabled(ToAkka(logLevel));

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            // "{0}": the line may contain braces (an upstream's JSON), which Akka would read as a template.
            akka.Log(ToAkka(logLevel), exception, "{0}", formatter(state, exception));
        }

        private static AkkaLogLevel ToAkka(LogLevel level) => level switch
        {
            LogLevel.Trace or LogLevel.Debug => AkkaLogLevel.DebugLevel,
            LogLevel.Information => AkkaLogLevel.InfoLevel,
            LogLevel.Warning => AkkaLogLevel.WarningLevel,
            _ => AkkaLogLevel.ErrorLevel,
        };
    }
}
