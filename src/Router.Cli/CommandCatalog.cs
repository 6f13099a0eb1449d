using Router.Cli.Palettes;

namespace Router.Cli;

/// <summary>Every palette and command routerctl knows; help text and command lookup both come from here.</summary>
internal sealed class CommandCatalog(IReadOnlyList<Palette> palettes)
{
    public static CommandCatalog Default { get; } = new([ClusterPalette.Create(), ShardingPalette.Create(), RouterPalette.Create()]);

    public IReadOnlyList<Palette> Palettes { get; } = palettes;

    public Palette? FindPalette(string name) =>
        Palettes.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The command whose words start <paramref name="words"/> (longest match), and how many words it used.
    /// Null when none matches.
    /// </summary>
    public static (CommandDefinition Command, int WordCount)? Match(Palette palette, IReadOnlyList<string> words)
    {
        CommandDefinition? best = null;
        foreach (var command in palette.Commands)
        {
            if (command.Words.Length <= words.Count &&
                command.Words.Select((w, i) => string.Equals(w, words[i], StringComparison.OrdinalIgnoreCase)).All(x => x) &&
                (best is null || command.Words.Length > best.Words.Length))
            {
                best = command;
            }
        }

        return best is null ? null : (best, best.Words.Length);
    }

    /// <summary>Commands of <paramref name="palette"/> whose names start with <paramref name="prefix"/> (e.g. "endpoint").</summary>
    public static IReadOnlyList<CommandDefinition> WithPrefix(Palette palette, IReadOnlyList<string> prefix) =>
        [.. palette.Commands.Where(c => c.Words.Length > prefix.Count &&
            prefix.Select((w, i) => string.Equals(w, c.Words[i], StringComparison.OrdinalIgnoreCase)).All(x => x))];
}
