namespace Router.Cli;

/// <summary>
/// routerctl: <c>routerctl [host:port] &lt;palette&gt; &lt;command&gt; [args] [options]</c>, or with no
/// command an interactive shell. Everything goes through <see cref="RunAsync(string[], TextReader, TextWriter, TextWriter, HttpMessageHandler?)"/>
/// so tests drive it with their own streams and HTTP handler.
/// </summary>
public static class RouterCtl
{
    /// <summary>Runs routerctl and returns its exit code (see <see cref="ExitCodes"/>).</summary>
    /// <param name="handler">Sends the HTTP requests; null uses a real connection.</param>
    public static Task<int> RunAsync(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr, HttpMessageHandler? handler = null) =>
        RunAsync(args, stdin, stdout, stderr, handler, interrupts: null);

    /// <param name="interrupts">Stops the running command (Ctrl-C); null when nothing can interrupt.</param>
    public static async Task<int> RunAsync(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr, HttpMessageHandler? handler, InterruptSource? interrupts)
    {
        var catalog = CommandCatalog.Default;
        CommandLine line;
        AdminAddress address;
        try
        {
            line = CommandLine.Parse(args);
            (address, line) = TakeAddress(line, catalog);
        }
        catch (UsageException e)
        {
            if (JsonErrors.Requested(args)) stdout.WriteLine(JsonErrors.Format(e.ExitCode, e.Message));
            else stderr.WriteLine(e.Message);
            return e.ExitCode;
        }

        using var http = handler is null
            ? new HttpClient(new SocketsHttpHandler { UseProxy = false })
            : new HttpClient(handler, disposeHandler: false);
        http.Timeout = Timeout.InfiniteTimeSpan; // each request has its own --timeout; a tail runs until stopped

        var defaults = GlobalOptions.FromEnvironment();
        interrupts ??= new InterruptSource();
        if (line.Positionals.Count > 0 || line.Has(CommandLine.Help))
        {
            var runner = new CommandRunner(catalog, http, address, defaults, stdout, stderr, interrupts, shell: false);
            return await runner.RunAsync(line);
        }

        // No command: the shell. Options given here (--token, --json, --timeout) apply to every line.
        try
        {
            foreach (var name in line.OptionNames.Where(n => !GlobalOptions.Names.Contains(n)))
            {
                throw new UsageException($"unknown option --{name}");
            }

            defaults = defaults.With(line);
        }
        catch (UsageException e)
        {
            if (JsonErrors.Requested(args)) stdout.WriteLine(JsonErrors.Format(e.ExitCode, e.Message));
            else stderr.WriteLine(e.Message);
            return e.ExitCode;
        }

        var shellRunner = new CommandRunner(catalog, http, address, defaults, stdout, stderr, interrupts, shell: true);
        return await new InteractiveShell(shellRunner, address, stdin, stdout, stderr).RunAsync();
    }

    /// <summary>The address: the first word when it is one (not a palette or "help"), else $ROUTER_ADMIN_ADDRESS, else 127.0.0.1:9110.</summary>
    private static (AdminAddress Address, CommandLine Remaining) TakeAddress(CommandLine line, CommandCatalog catalog)
    {
        if (line.Positionals.Count > 0 &&
            catalog.FindPalette(line.Positionals[0]) is null &&
            line.Positionals[0] is not ("help" or "?") &&
            AdminAddress.LooksLikeAddress(line.Positionals[0]))
        {
            return (AdminAddress.Parse(line.Positionals[0]), line.SkipPositionals(1));
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(AdminAddress.EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return AdminAddress.TryParse(fromEnvironment, out var address)
                ? (address, line)
                : throw new UsageException($"{AdminAddress.EnvironmentVariable}='{fromEnvironment}' is not a valid admin address; expected host:port");
        }

        return (AdminAddress.Parse(AdminAddress.Default), line);
    }
}
