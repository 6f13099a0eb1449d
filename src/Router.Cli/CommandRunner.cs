namespace Router.Cli;

/// <summary>
/// Runs one parsed command line (without the address) against one node: resolves help, the palette and
/// the command from the catalog, checks arguments and options, calls the handler, and turns every error
/// into a message on stderr and an exit code. Used for the one-shot command and for each shell line.
/// </summary>
internal sealed class CommandRunner(
    CommandCatalog catalog,
    HttpClient http,
    AdminAddress address,
    GlobalOptions defaults,
    TextWriter output,
    TextWriter stderr,
    InterruptSource interrupts,
    bool shell)
{
    /// <summary>Where this command's errors go: stderr, or a buffer that becomes a JSON error document with --json.</summary>
    private TextWriter errors => captured ?? stderr;

    private StringWriter? captured;

    /// <summary>The admin API's status when the last failure was the node's answer.</summary>
    private int? status;

    public async Task<int> RunAsync(CommandLine line)
    {
        if (!defaults.Json && !line.Has(CommandLine.Json)) return await RunCoreAsync(line);
        var buffer = captured = new StringWriter();
        status = null;
        try
        {
            var code = await RunCoreAsync(line);
            if (code is ExitCodes.Success) stderr.Write(buffer.ToString());
            else output.WriteLine(JsonErrors.Format(code, buffer.ToString(), status));
            return code;
        }
        finally
        {
            captured = null;
        }
    }

    private async Task<int> RunCoreAsync(CommandLine line)
    {
        try
        {
            return await DispatchAsync(line);
        }
        catch (UsageException e)
        {
            errors.WriteLine(e.Message);
            if (e.Command is not null)
            {
                HelpText.WriteUsage(errors, e.Command);
            }

            return e.ExitCode;
        }
        catch (RouterCtlException e)
        {
            status = (e as AdminCommandFailedException)?.Status;
            errors.WriteLine(e.Message);
            return e.ExitCode;
        }
        catch (OperationCanceledException)
        {
            errors.WriteLine("interrupted");
            return ExitCodes.Interrupted;
        }
    }

    private async Task<int> DispatchAsync(CommandLine line)
    {
        var words = line.Positionals;
        var wantsHelp = line.Has(CommandLine.Help);
        if (words.Count == 0)
        {
            CheckOptions(line, null);
            HelpText.WriteOverview(wantsHelp ? output : errors, catalog, shell);
            return wantsHelp ? ExitCodes.Success : ExitCodes.Usage;
        }

        if (IsHelp(words[0]))
        {
            return Help(words.Skip(1).ToList());
        }

        var palette = catalog.FindPalette(words[0]) ?? throw UnknownPalette(words[0]);
        var rest = words.Skip(1).ToList();
        if (rest.Count == 0 || IsHelp(rest[0]))
        {
            if (rest.Count == 0 && !wantsHelp)
            {
                errors.WriteLine($"missing command for palette '{palette.Name}'");
                HelpText.WritePalette(errors, palette, shell);
                return ExitCodes.Usage;
            }

            HelpText.WritePalette(output, palette, shell);
            return ExitCodes.Success;
        }

        if (CommandCatalog.Match(palette, rest) is not var (command, used))
        {
            return UnknownCommand(palette, rest, wantsHelp);
        }

        if (wantsHelp)
        {
            HelpText.WriteCommand(output, command);
            return ExitCodes.Success;
        }

        var arguments = rest.Skip(used).ToList();
        CheckOptions(line, command);
        if (arguments.Count > command.Arguments.Count)
        {
            throw new UsageException($"unexpected argument '{arguments[command.Arguments.Count]}'", command);
        }

        if (command.Arguments.Skip(arguments.Count).FirstOrDefault(a => a.Required) is { } missing)
        {
            throw new UsageException($"missing argument <{missing.Name}>", command);
        }

        var options = defaults.With(line, command);
        var api = new AdminApiClient(http, address.BaseUri, options.Token, options.Timeout);
        var cancellation = interrupts.Begin();
        try
        {
            var context = new CommandContext(command, arguments, line, api, output, errors, options.Json, cancellation);
            return await command.Handler(context);
        }
        finally
        {
            interrupts.End();
        }
    }

    private int Help(IReadOnlyList<string> topic)
    {
        if (topic.Count == 0)
        {
            HelpText.WriteOverview(output, catalog, shell);
            return ExitCodes.Success;
        }

        var palette = catalog.FindPalette(topic[0]) ?? throw UnknownPalette(topic[0]);
        var rest = topic.Skip(1).ToList();
        if (rest.Count == 0)
        {
            HelpText.WritePalette(output, palette, shell);
            return ExitCodes.Success;
        }

        if (CommandCatalog.Match(palette, rest) is var (command, _))
        {
            HelpText.WriteCommand(output, command);
            return ExitCodes.Success;
        }

        return UnknownCommand(palette, rest, wantsHelp: true);
    }

    /// <summary>
    /// No command matched. "router endpoint help" (or --help) lists the endpoint commands; anything else is
    /// a usage error that lists the commands sharing the longest known prefix.
    /// </summary>
    private int UnknownCommand(Palette palette, IReadOnlyList<string> words, bool wantsHelp)
    {
        var prefixLength = Enumerable.Range(1, words.Count).Reverse()
            .FirstOrDefault(n => CommandCatalog.WithPrefix(palette, words.Take(n).ToList()).Count > 0);
        var candidates = prefixLength == 0 ? palette.Commands : CommandCatalog.WithPrefix(palette, words.Take(prefixLength).ToList());
        var askedForHelp = wantsHelp || (prefixLength > 0 && words.Count == prefixLength + 1 && IsHelp(words[prefixLength]));
        if (askedForHelp && prefixLength > 0)
        {
            HelpText.WritePalette(output, palette, shell, candidates);
            return ExitCodes.Success;
        }

        var given = string.Join(' ', words.Take(prefixLength + 1));
        errors.WriteLine(prefixLength == words.Count
            ? $"incomplete command '{palette.Name} {given}'"
            : $"unknown command '{palette.Name} {given}'");
        HelpText.WritePalette(errors, palette, shell, candidates);
        return ExitCodes.Usage;
    }

    private UsageException UnknownPalette(string name) =>
        new($"unknown palette '{name}'; palettes: {string.Join(", ", catalog.Palettes.Select(p => p.Name))}. Run '{(shell ? "" : "routerctl ")}help' for the commands.");

    private static void CheckOptions(CommandLine line, CommandDefinition? command)
    {
        foreach (var name in line.OptionNames)
        {
            if (!GlobalOptions.Names.Contains(name) && command?.Options.Any(o => o.Name == name) != true)
            {
                throw new UsageException(command is null ? $"unknown option --{name}" : $"unknown option --{name} for '{command.FullName}'", command);
            }
        }
    }

    private static bool IsHelp(string word) => word is "help" or "?";
}
