namespace Router.Cli;

/// <summary>An error that ends a command with a known exit code and a message for the user.</summary>
internal abstract class RouterCtlException(string message) : Exception(message)
{
    public abstract int ExitCode { get; }
}

/// <summary>The command line is wrong: exit 2, and the usage of <see cref="Command"/> (when known) is printed.</summary>
internal sealed class UsageException(string message, CommandDefinition? command = null) : RouterCtlException(message)
{
    public CommandDefinition? Command { get; } = command;

    public override int ExitCode => ExitCodes.Usage;
}

/// <summary>The node answered with an error status: exit 1.</summary>
internal sealed class AdminCommandFailedException(string message, int? status = null) : RouterCtlException(message)
{
    /// <summary>The admin API's HTTP status, when the node answered.</summary>
    public int? Status { get; } = status;

    public override int ExitCode => ExitCodes.CommandFailed;
}

/// <summary>The admin API could not be reached or stopped answering: exit 3.</summary>
internal sealed class AdminUnreachableException(Uri baseUri, string reason) : RouterCtlException(
    $"cannot reach the admin API at {baseUri.GetLeftPart(UriPartial.Authority)}: {reason}. Is the node running and is Admin:Urls set?")
{
    public override int ExitCode => ExitCodes.Unreachable;
}

/// <summary>The admin API answered 401 or 403: exit 4.</summary>
internal sealed class AdminUnauthorizedException() : RouterCtlException(
    "the admin token was rejected; pass --token or set ROUTER_ADMIN_TOKEN")
{
    public override int ExitCode => ExitCodes.Unauthorized;
}
