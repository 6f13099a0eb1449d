using System.CommandLine;

namespace Router.Cli;

/// <summary>
/// Help, generated from the command tree and the catalog's descriptions and rendered with Spectre.Console: the overview
/// (every command of every palette, as pbm lists them), a palette or word group, one command's arguments and options.
/// </summary>
internal static class HelpView
{
    public static void Write(Output output, CommandTree tree, Command command, bool shell)
    {
        if (command == tree.Root)
        {
            Overview(output, tree, shell);
        }
        else if (tree.DefinitionOf(command) is { } definition)
        {
            Command(output, definition);
        }
        else if (command == tree.Completion)
        {
            output.WriteLine("Usage: routerctl completion <shell>");
            output.WriteLine();
            output.WriteLine(command.Description ?? "");
            output.WriteLine("  bash   eval \"$(routerctl completion bash)\"   (in ~/.bashrc)");
            output.WriteLine("  zsh    eval \"$(routerctl completion zsh)\"    (in ~/.zshrc, after compinit)");
        }
        else
        {
            Group(output, tree, command, shell);
        }
    }

    public static void Overview(Output output, CommandTree tree, bool shell)
    {
        if (shell)
        {
            output.WriteLine("Commands (same syntax as on the command line, without the address):");
        }
        else
        {
            output.WriteLine(tree.Root.Description ?? "");
            output.WriteLine();
            output.WriteLine("Usage: routerctl [host:port] <palette> <command> [arguments] [options]");
            output.WriteLine("       routerctl [host:port]          (interactive shell, with history and Tab completion)");
            output.WriteLine("       routerctl help [palette]");
            output.WriteLine("       routerctl completion bash|zsh  (shell completion script)");
        }

        foreach (var palette in tree.Catalog.Palettes)
        {
            output.WriteLine();
            output.WriteLine($"{palette.Name}: {palette.Description}");
            output.Write(CommandList(palette.Commands));
        }

        output.WriteLine();
        if (shell)
        {
            output.WriteLine("Shell: help [palette], <palette> help, exit, quit. Options such as --json apply to one line.");
            output.WriteLine("Keys: arrows edit and recall history, Tab completes, Ctrl-D or exit leaves.");
        }
        else
        {
            output.WriteLine("Options (every command):");
            output.Write(Output.TwoColumns(GlobalOptionRows(tree)));
            output.WriteLine();
            output.WriteLine($"Address: host:port or http(s)://host:port; default {AdminAddress.Default}, or ${AdminAddress.EnvironmentVariable}.");
            output.WriteLine($"Token: --token or ${GlobalOptions.TokenEnvironmentVariable}.");
            output.WriteLine("Exit codes: 0 ok, 1 command failed, 2 usage error, 3 node unreachable, 4 unauthorized.");
        }
    }

    private static void Group(Output output, CommandTree tree, Command command, bool shell)
    {
        if (tree.GroupOf(command) is not var (palette, words)) return;
        output.WriteLine($"{string.Join(' ', [palette.Name, .. words])}: {(words.Length == 0 ? palette.Description : command.Description)}");
        output.WriteLine();
        output.Write(CommandList(tree.CommandsUnder(command)));
        output.WriteLine();
        output.WriteLine($"Run '{(shell ? "" : "routerctl ")}{palette.Name} <command> --help' for a command's arguments and options.");
    }

    private static void Command(Output output, CommandDefinition command)
    {
        output.WriteLine($"Usage: routerctl [host:port] {command.Usage}");
        output.WriteLine();
        output.WriteLine(command.Description);
        var rows = command.Arguments.Select(a => (a.Usage, a.Description))
            .Concat(command.Options.Select(o => (o.Usage, o.Description)))
            .ToList();
        if (rows.Count > 0)
        {
            output.WriteLine();
            output.Write(Output.TwoColumns(rows));
        }

        output.WriteLine();
        output.WriteLine("Global options: --token <t>, --json, --timeout <seconds>.");
    }

    /// <summary>Short usage under a usage error.</summary>
    public static void Usage(Output output, CommandDefinition command)
    {
        output.WriteLine($"usage: routerctl [host:port] {command.Usage}");
        if (command.Arguments.Count > 0) output.Write(Output.TwoColumns(command.Arguments.Select(a => (a.Usage, a.Description))));
    }

    public static Spectre.Console.Grid CommandList(IEnumerable<CommandDefinition> commands) =>
        Output.TwoColumns(commands.Select(c => (c.Synopsis, c.Description)));

    private static IEnumerable<(string, string)> GlobalOptionRows(CommandTree tree) =>
    [
        ($"--token <{tree.Token.HelpName}>", tree.Token.Description ?? ""),
        ("--json", tree.Json.Description ?? ""),
        ($"--timeout <{tree.Timeout.HelpName}>", tree.Timeout.Description ?? ""),
        ("-h, --help", "help for the command (also: routerctl help <palette>)"),
    ];
}
