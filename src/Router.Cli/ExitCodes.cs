namespace Router.Cli;

/// <summary>The process exit codes of routerctl; scripts rely on them.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The node answered with an error (its <c>AdminError.error</c> is printed).</summary>
    public const int CommandFailed = 1;

    /// <summary>Unknown palette or command, missing or invalid argument or option.</summary>
    public const int Usage = 2;

    /// <summary>No answer from the admin API: connection refused, DNS failure, timeout, connection lost.</summary>
    public const int Unreachable = 3;

    /// <summary>The admin API answered 401 or 403.</summary>
    public const int Unauthorized = 4;

    /// <summary>A one-shot command other than a stream was stopped with Ctrl-C.</summary>
    public const int Interrupted = 130;
}
