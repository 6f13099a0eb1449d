using System.CommandLine;
using System.CommandLine.Parsing;

namespace Router.Cli;

/// <summary>
/// Runs one command line (without the address) against one node: System.CommandLine parses it with the
/// <see cref="CommandTree"/>, parse errors become routerctl's usage messages (exit 2), help is printed, and the matched
/// command's handler runs; every failure becomes a message on stderr (or one JSON document with --json) and an exit code.
/// Used for the one-shot command and for each line of the interactive shell.
/// </summary>
internal sealed class CommandRunner(
    CommandTree tree,
    HttpClient http,
    AdminAddress address,
    GlobalOptions defaults,
    Output output,
    TextWriter stderr,
    InterruptSource interrupts,
    bool shell)
{
    /// <summary>Where this command's errors go: stderr, or a buffer that becomes a JSON error document with --json.</summary>
    private TextWriter errors => captured ?? stderr;

    private StringWriter? captured;

    /// <summary>The admin API's status when the last failure was the node's answer.</summary>
    private int? status;

    public GlobalOptions Defaults => defaults;

    public async Task<int> RunAsync(IReadOnlyList<string> tokens)
    {
        if (!defaults.Json && !JsonErrors.Requested(tokens)) return await RunCoreAsync(tokens);
        var buffer = captured = new StringWriter();
        status = null;
        try
        {
            var code = await RunCoreAsync(tokens);
            if (code is ExitCodes.Success) stderr.Write(buffer.ToString());
            else output.WriteLine(JsonErrors.Format(code, buffer.ToString(), status));
            return code;
        }
        finally
        {
            captured = null;
        }
    }

    private async Task<int> RunCoreAsync(IReadOnlyList<string> tokens)
    {
        try
        {
            return await DispatchAsync(tokens);
        }
        catch (UsageException e)
        {
            errors.WriteLine(e.Message);
            if (e.Command is not null) HelpView.Usage(new Output(errors), e.Command);
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

    private async Task<int> DispatchAsync(IReadOnlyList<string> tokens)
    {
        // System.CommandLine splits --json=yes into a flag and a stray word; say what is wrong instead.
        if (tokens.Any(t => t.StartsWith("--json=", StringComparison.Ordinal))) throw new UsageException("option --json takes no value");
        var result = tree.Parse(HelpWords(tokens));
        var command = result.CommandResult.Command;
        if (result.GetResult(tree.Help) is not null)
        {
            HelpView.Write(output, tree, command, shell);
            return ExitCodes.Success;
        }

        if (ParseProblem(result) is { } problem) return Refuse(problem, command);

        if (command == tree.Completion) return PrintCompletion(result);
        var definition = tree.DefinitionOf(command)!;
        var options = defaults.With(result.GetValue(tree.Token), result.GetValue(tree.Json), result.GetValue(tree.Timeout), definition);
        var arguments = definition.Arguments.Select(a => tree.ArgumentValue(result, command, a.Name)).TakeWhile(v => v is not null).Select(v => v!).ToList();
        var api = new AdminApiClient(http, address.BaseUri, options.Token, options.Timeout);
        var cancellation = interrupts.Begin();
        try
        {
            var context = new CommandContext(definition, arguments, name => tree.OptionValue(result, command, name), api, output, errors, options.Json, cancellation);
            return await definition.Handler(context);
        }
        finally
        {
            interrupts.End();
        }
    }

    /// <summary>
    /// "help" and "?" where a palette or command is expected ask for help, as pbm's do: <c>help router</c>,
    /// <c>router help</c> and <c>router endpoint help</c> become <c>router [endpoint] --help</c>.
    /// </summary>
    private IReadOnlyList<string> HelpWords(IReadOnlyList<string> tokens)
    {
        Command current = tree.Root;
        for (var i = 0; i < tokens.Count; i++)
        {
            var word = tokens[i];
            if (word.StartsWith('-')) break;
            if (current.Subcommands.FirstOrDefault(c => c.Name == word) is { } next)
            {
                current = next;
                continue;
            }

            if (word is "help" or "?" && current.Subcommands.Count > 0) return [.. tokens.Take(i), .. tokens.Skip(i + 1), "--help"];
            break;
        }

        return tokens;
    }

    /// <summary>System.CommandLine's verdict in routerctl's words (the messages scripts and tests know); null when it parsed.</summary>
    private string? ParseProblem(ParseResult result)
    {
        var command = result.CommandResult.Command;
        var unmatched = result.UnmatchedTokens;
        var path = Path(command);
        if (result.Errors.Any(e => e.SymbolResult is OptionResult { Option: var o } && o == tree.Json))
            return "option --json takes no value";
        // An option that takes a value, given none (at the end, or followed by another option).
        var given = result.Tokens;
        for (var i = 0; i < given.Count; i++)
        {
            if (given[i].Type == TokenType.Option && given[i].Value != "--json" && !IsFlag(given[i].Value) &&
                (i + 1 == given.Count || given[i + 1].Type == TokenType.Option || given[i + 1].Value.StartsWith("--", StringComparison.Ordinal)))
                return $"option {given[i].Value} needs a value";
        }

        if (command == tree.Root)
        {
            if (unmatched.Count > 0 && unmatched[0].StartsWith("--", StringComparison.Ordinal)) return $"unknown option {unmatched[0].Split('=')[0]}";
            if (unmatched.Count > 0)
                return $"unknown palette '{unmatched[0]}'; palettes: {string.Join(", ", tree.Catalog.Palettes.Select(p => p.Name))}. Run '{(shell ? "" : "routerctl ")}help' for the commands.";
            return "missing palette"; // a line of options only: the overview, as a usage error
        }

        if (tree.DefinitionOf(command) is null && command != tree.Completion)
        {
            // A palette or a word group ("router endpoint"): a command must follow.
            if (unmatched.FirstOrDefault(t => !t.StartsWith('-')) is { } word) return $"unknown command '{path} {word}'";
            if (unmatched.Count > 0) return $"unknown option {unmatched[0]} for '{path}'";
            return tree.GroupOf(command)?.Words.Length == 0 ? $"missing command for palette '{path}'" : $"incomplete command '{path}'";
        }

        if (unmatched.FirstOrDefault(t => t.StartsWith("--", StringComparison.Ordinal)) is { } option)
            return $"unknown option {option.Split('=')[0]} for '{path}'";
        if (unmatched.Count > 0) return $"unexpected argument '{unmatched[0]}'";
        if (tree.DefinitionOf(command) is { } definition &&
            definition.Arguments.FirstOrDefault(a => a.Required && tree.ArgumentValue(result, command, a.Name) is null) is { } missing)
            return $"missing argument <{missing.Name}>";
        if (command == tree.Completion && result.GetValue<string>("shell") is null) return "missing argument <shell>: bash or zsh";
        return result.Errors.Count > 0 ? result.Errors[0].Message : null;
    }

    private int Refuse(string problem, Command command)
    {
        if (command == tree.Root && problem == "missing palette")
        {
            HelpView.Overview(new Output(errors), tree, shell);
            return ExitCodes.Usage;
        }

        errors.WriteLine(problem);
        if (tree.DefinitionOf(command) is { } definition) HelpView.Usage(new Output(errors), definition);
        else if (tree.GroupOf(command) is not null) HelpView.Write(new Output(errors), tree, command, shell);
        return ExitCodes.Usage;
    }

    private int PrintCompletion(ParseResult result)
    {
        var shellName = result.GetValue<string>("shell")!;
        if (CompletionScripts.Script(shellName) is not { } script)
            throw new UsageException($"no completion script for '{shellName}'; shells: {string.Join(", ", CompletionScripts.Shells)}");
        output.WriteLine(script);
        return ExitCodes.Success;
    }

    private bool IsFlag(string option) => tree.Help.Name == option || tree.Help.Aliases.Contains(option);

    private static string Path(Command command)
    {
        var words = new List<string>();
        for (Symbol? symbol = command; symbol is Command c && c is not RootCommand; symbol = c.Parents.FirstOrDefault())
            words.Insert(0, c.Name);
        return string.Join(' ', words);
    }
}
