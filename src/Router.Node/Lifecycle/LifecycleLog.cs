namespace Router.Node.Lifecycle;

/// <summary>The node's start and stop lines (event ids 5100-5199).</summary>
internal static partial class LifecycleLog
{
    [LoggerMessage(5101, LogLevel.Warning, "Stopping: {Why}; exiting with code 0")]
    public static partial void StoppingUnplanned(ILogger logger, string why);

    [LoggerMessage(5102, LogLevel.Critical, "Stopping: {Why}; exiting with code {Code} so that a supervisor restarts the node")]
    public static partial void StoppingForRestart(ILogger logger, string why, int code);

    [LoggerMessage(5103, LogLevel.Information, "Stopping: no new requests; waiting up to {Seconds} s for requests in flight")]
    public static partial void Draining(ILogger logger, double seconds);

    [LoggerMessage(5104, LogLevel.Information, "Requests drained in {Seconds:0.00} s{Aborted}; leaving the cluster")]
    public static partial void Drained(ILogger logger, double seconds, string aborted);

    [LoggerMessage(5105, LogLevel.Information, "Stopped: left the cluster {Leave:0.00} s after the drain, {Total:0.00} s after the stop began")]
    public static partial void Stopped(ILogger logger, double leave, double total);

    [LoggerMessage(5110, LogLevel.Critical, "{Remote} has quarantined this node ({Local}): the cluster removed it; downing itself")]
    public static partial void Quarantined(ILogger logger, string remote, string local);

    [LoggerMessage(5120, LogLevel.Information, "Registry: no Registry:ConnectionString, so this configuration ({Configuration}) keeps its runtime changes in its own SQLite file {File}")]
    public static partial void RegistryFileOfConfiguration(ILogger logger, string configuration, string file);
}
