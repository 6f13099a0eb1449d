using System.CommandLine;
using System.CommandLine.Completions;

namespace Router.Cli;

/// <summary>
/// Shell completion: <c>routerctl completion bash|zsh</c> prints a script that asks routerctl itself, through
/// System.CommandLine's <c>[suggest:position]</c> directive, for the words that may follow what was typed; the
/// interactive prompt's Tab key asks the same <see cref="Complete"/>.
/// </summary>
internal static class CompletionScripts
{
    public static readonly string[] Shells = ["bash", "zsh"];

    public static string? Script(string shell) => shell switch
    {
        "bash" => """
            # routerctl completion for bash: eval "$(routerctl completion bash)" (e.g. in ~/.bashrc)
            _routerctl_complete() {
                local IFS=$'\n'
                COMPREPLY=( $(routerctl "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null) )
            }
            complete -o default -o nospace -F _routerctl_complete routerctl
            """,
        "zsh" => """
            # routerctl completion for zsh: eval "$(routerctl completion zsh)" (e.g. in ~/.zshrc)
            _routerctl() {
                local -a words
                words=("${(@f)$(routerctl "[suggest:${CURSOR}]" "${BUFFER}" 2>/dev/null)}")
                compadd -S ' ' -- ${words}
            }
            compdef _routerctl routerctl
            """,
        _ => null,
    };

    /// <summary>
    /// What may follow <paramref name="line"/> (the text up to the cursor): palettes, commands, options, argument values.
    /// The program's name and the admin address, when the line starts with them, are not part of the grammar.
    /// </summary>
    public static IReadOnlyList<string> Complete(CommandTree tree, string line)
    {
        var words = ShellWords.SplitLenient(line).ToList();
        var endsWord = line.Length > 0 && !char.IsWhiteSpace(line[^1]);
        var current = endsWord && words.Count > 0 ? words[^1] : "";
        if (endsWord && words.Count > 0) words.RemoveAt(words.Count - 1);
        if (words.Count > 0 && IsProgramName(words[0])) words.RemoveAt(0);
        if (words.Count > 0 && tree.Root.Subcommands.All(c => c.Name != words[0]) && AdminAddress.LooksLikeAddress(words[0])) words.RemoveAt(0);

        var text = string.Join(' ', words.Select(Quote));
        if (current.Length > 0) text = text.Length > 0 ? $"{text} {Quote(current)}" : Quote(current);
        else if (text.Length > 0) text += " ";
        var result = tree.Parse(text);
        return [.. result.GetCompletions(text.Length)
            .Select(c => c.Label)
            .Where(l => l.StartsWith(current, StringComparison.OrdinalIgnoreCase) && l != "-?" && l != "/?" && l != "/h")
            .Distinct()];
    }

    private static bool IsProgramName(string word)
    {
        var name = Path.GetFileNameWithoutExtension(word);
        return name.Equals("routerctl", StringComparison.OrdinalIgnoreCase) || name.Equals("Router.Cli", StringComparison.OrdinalIgnoreCase);
    }

    private static string Quote(string word) => word.Length > 0 && !word.Any(char.IsWhiteSpace) && !word.Contains('"') ? word : $"\"{word.Replace("\"", "\\\"")}\"";
}
