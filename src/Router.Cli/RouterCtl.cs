using System.Text.RegularExpressions;

namespace Router.Cli;

/// <summary>
/// routerctl: <c>routerctl [host:port] &lt;palette&gt; &lt;command&gt; [args] [options]</c>, or with no
/// command an interactive shell. Everything goes through <see cref="RunAsync(string[], TextReader, TextWriter, TextWriter, HttpMessageHandler?)"/>
/// so tests drive it with their own streams and HTTP handler.
/// </summary>
public static partial class RouterCtl
{
    /// <summary>Runs routerctl and returns its exit code (see <see cref="ExitCodes"/>).</summary>
    /// <param name="handler">Sends the HTTP requests; null uses a real connection.</param>
    public static Task<int> RunAsync(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr, HttpMessageHandler? handler = null) =>
        RunAsync(args, stdin, stdout, stderr, handler, interrupts: null);

    /// <param name="interrupts">Stops the running command (Ctrl-C); null when nothing can interrupt.</param>
    public static Task<int> RunAsync(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr, HttpMessageHandler? handler, InterruptSource? interrupts) =>
        RunAsync(args, stdin, stdout, stderr, handler, interrupts, lineReader: null);

    /// <param name="lineReader">Where the shell's lines come from (tests type keys into a <see cref="LineEditor"/>); null: the terminal or stdin.</param>
    internal static async Task<int> RunAsync(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr, HttpMessageHandler? handler,
        InterruptSource? interrupts, Func<CommandTree, ILineReader>? lineReader)
    {
        var tree = new CommandTree(CommandCatalog.Default);
        // The process's own terminal gets colours and line editing; pipes, files and tests get plain text and lines.
        var terminal = ReferenceEquals(stdout, Console.Out) && Output.TerminalAllowsColor();
        var output = new Output(stdout, terminal);

        // [suggest:position] "line": what the shell completion script asks (see CompletionScripts).
        if (args.Length > 0 && SuggestDirective().Match(args[0]) is { Success: true } suggest)
        {
            var line = args.Length > 1 ? args[1] : "";
            var position = suggest.Groups[1].Success ? Math.Clamp(int.Parse(suggest.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 0, line.Length) : line.Length;
            foreach (var word in CompletionScripts.Complete(tree, line[..position])) stdout.WriteLine(word);
            return ExitCodes.Success;
        }

        IReadOnlyList<string> tokens;
        AdminAddress address;
        try
        {
            (address, tokens) = TakeAddress(args, tree);
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
        var parsed = tree.Parse(tokens);
        var onlyGlobalOptions = parsed.CommandResult.Command == tree.Root && parsed.GetResult(tree.Help) is null;
        // (The root alone is a parse error to System.CommandLine, "required command was not provided": here it is the shell.)
        if (!onlyGlobalOptions || parsed.UnmatchedTokens.Count > 0 || tokens.Any(t => t.StartsWith("--json=", StringComparison.Ordinal)))
        {
            var runner = new CommandRunner(tree, http, address, defaults, output, stderr, interrupts, shell: false);
            return await runner.RunAsync(tokens);
        }

        // No command: the shell. Options given here (--token, --json, --timeout) apply to every line.
        try
        {
            defaults = defaults.With(parsed.GetValue(tree.Token), parsed.GetValue(tree.Json), parsed.GetValue(tree.Timeout));
        }
        catch (UsageException e)
        {
            if (JsonErrors.Requested(args)) stdout.WriteLine(JsonErrors.Format(e.ExitCode, e.Message));
            else stderr.WriteLine(e.Message);
            return e.ExitCode;
        }

        var shellRunner = new CommandRunner(tree, http, address, defaults, output, stderr, interrupts, shell: true);
        var reader = lineReader?.Invoke(tree) ?? (ReferenceEquals(stdin, Console.In) && !Console.IsInputRedirected && !Console.IsOutputRedirected
            ? new ConsoleLineReader(new ShellHistory(ShellHistory.DefaultPath()), line => CompletionScripts.Complete(tree, line))
            : (ILineReader)new PlainLineReader(stdin, stdout));
        return await new InteractiveShell(shellRunner, address, reader, stdout, stderr).RunAsync();
    }

    /// <summary>The address: the first word when it is one (not a palette, "help" or "completion"), else $ROUTER_ADMIN_ADDRESS, else 127.0.0.1:9110.</summary>
    private static (AdminAddress Address, IReadOnlyList<string> Remaining) TakeAddress(string[] args, CommandTree tree)
    {
        if (args.Length > 0 &&
            !args[0].StartsWith('-') &&
            tree.Root.Subcommands.All(c => !string.Equals(c.Name, args[0], StringComparison.OrdinalIgnoreCase)) &&
            args[0] is not ("help" or "?") &&
            AdminAddress.LooksLikeAddress(args[0]))
        {
            return (AdminAddress.Parse(args[0]), args[1..]);
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(AdminAddress.EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return AdminAddress.TryParse(fromEnvironment, out var address)
                ? (address, args)
                : throw new UsageException($"{AdminAddress.EnvironmentVariable}='{fromEnvironment}' is not a valid admin address; expected host:port");
        }

        return (AdminAddress.Parse(AdminAddress.Default), args);
    }

    [GeneratedRegex(@"^\[suggest(?::(\d+))?\]$")]
    private static partial Regex SuggestDirective();
}
