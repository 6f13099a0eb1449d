namespace Router.Cli;

/// <summary>Help generated from the <see cref="CommandCatalog"/>: the overview, one palette, one command.</summary>
internal static class HelpText
{
    public static void WriteOverview(TextWriter output, CommandCatalog catalog, bool shell)
    {
        if (shell)
        {
            output.WriteLine("Commands (same syntax as on the command line, without the address):");
        }
        else
        {
            output.WriteLine("routerctl: admin CLI of the LLM router cluster");
            output.WriteLine();
            output.WriteLine("Usage: routerctl [host:port] <palette> <command> [arguments] [options]");
            output.WriteLine("       routerctl [host:port]          (interactive shell)");
            output.WriteLine("       routerctl help [palette]");
        }

        foreach (var palette in catalog.Palettes)
        {
            output.WriteLine();
            output.WriteLine($"{palette.Name}: {palette.Description}");
            WriteCommandList(output, palette.Commands);
        }

        output.WriteLine();
        if (shell)
        {
            output.WriteLine("Shell: help [palette], <palette> help, exit, quit. Options such as --json apply to one line.");
        }
        else
        {
            WriteGlobalOptions(output);
            output.WriteLine();
            output.WriteLine($"Address: host:port or http(s)://host:port; default {AdminAddress.Default}, or ${AdminAddress.EnvironmentVariable}.");
            output.WriteLine("Exit codes: 0 ok, 1 command failed, 2 usage error, 3 node unreachable, 4 unauthorized.");
        }
    }

    public static void WritePalette(TextWriter output, Palette palette, bool shell, IReadOnlyList<CommandDefinition>? commands = null)
    {
        output.WriteLine($"{palette.Name}: {palette.Description}");
        output.WriteLine();
        WriteCommandList(output, commands ?? palette.Commands);
        output.WriteLine();
        output.WriteLine($"Run '{(shell ? "" : "routerctl ")}{palette.Name} <command> --help' for a command's arguments and options.");
    }

    public static void WriteCommand(TextWriter output, CommandDefinition command)
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
            var width = rows.Max(r => r.Usage.Length);
            foreach (var (usage, description) in rows)
            {
                output.WriteLine($"  {usage.PadRight(width)}  {description}");
            }
        }

        output.WriteLine();
        output.WriteLine("Global options: --token <t>, --json, --timeout <seconds>.");
    }

    /// <summary>Short usage for an error message.</summary>
    public static void WriteUsage(TextWriter output, CommandDefinition command)
    {
        output.WriteLine($"usage: routerctl [host:port] {command.Usage}");
        if (command.Arguments.Count > 0)
        {
            var width = command.Arguments.Max(a => a.Usage.Length);
            foreach (var argument in command.Arguments)
            {
                output.WriteLine($"  {argument.Usage.PadRight(width)}  {argument.Description}");
            }
        }
    }

    private static void WriteCommandList(TextWriter output, IReadOnlyList<CommandDefinition> commands)
    {
        var width = commands.Max(c => c.Synopsis.Length);
        foreach (var command in commands)
        {
            output.WriteLine($"  {command.Synopsis.PadRight(width)}  {command.Description}");
        }
    }

    private static void WriteGlobalOptions(TextWriter output)
    {
        output.WriteLine("Global options:");
        output.WriteLine("  --token <t>          admin token, sent as 'Authorization: Bearer <t>' (default $ROUTER_ADMIN_TOKEN)");
        output.WriteLine("  --json               print the raw JSON response, for scripts");
        output.WriteLine("  --timeout <seconds>  how long to wait for the node (default 10)");
        output.WriteLine("  -h, --help           help for the command");
    }
}
