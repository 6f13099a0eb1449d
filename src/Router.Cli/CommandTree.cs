using System.CommandLine;
using System.CommandLine.Help;

namespace Router.Cli;

/// <summary>
/// The System.CommandLine grammar of routerctl, generated from the <see cref="CommandCatalog"/>: one command per palette,
/// one per word of a multi-word command ("router endpoint add"), the commands' arguments and options, and the global
/// options (<c>--token</c>, <c>--json</c>, <c>--timeout</c>, <c>--help</c>) on every command. The handlers stay in the
/// catalog (<see cref="CommandDefinition.Handler"/>), independent of the parser.
/// </summary>
internal sealed class CommandTree
{
    public const string CompletionCommand = "completion";

    private readonly Dictionary<Command, CommandDefinition> definitions = [];
    private readonly Dictionary<Command, Dictionary<string, Argument<string>>> arguments = [];
    private readonly Dictionary<Command, Dictionary<string, Option<string>>> options = [];
    private readonly Dictionary<Command, (Palette Palette, string[] Words)> groups = [];

    public CommandTree(CommandCatalog catalog)
    {
        Catalog = catalog;
        Root = new RootCommand("routerctl: admin CLI of the LLM router cluster") { Token, Json, Timeout };
        Help = Root.Options.OfType<HelpOption>().Single();
        foreach (var palette in catalog.Palettes)
        {
            var paletteCommand = new Command(palette.Name, palette.Description);
            Root.Add(paletteCommand);
            groups[paletteCommand] = (palette, []);
            foreach (var definition in palette.Commands) Add(paletteCommand, palette, definition);
        }

        Completion = new Command(CompletionCommand, "print a shell completion script: eval \"$(routerctl completion bash)\"");
        var shell = new Argument<string>("shell") { Description = "bash or zsh" };
        shell.CompletionSources.Add(CompletionScripts.Shells);
        Completion.Add(shell);
        Root.Add(Completion);
    }

    public CommandCatalog Catalog { get; }

    public RootCommand Root { get; }

    public HelpOption Help { get; }

    public Command Completion { get; }

    public Option<string> Token { get; } = new("--token") { Description = "admin token (default: $ROUTER_ADMIN_TOKEN)", HelpName = "t", Recursive = true };

    public Option<bool> Json { get; } = new("--json") { Description = "print the admin API's JSON; failures too, on stdout", Recursive = true, Arity = ArgumentArity.Zero };

    public Option<string> Timeout { get; } = new("--timeout") { Description = "seconds to wait for the node (default 10)", HelpName = "seconds", Recursive = true };

    /// <summary>No response files (an id may start with '@') and no bundling of single-dash flags (-3 is a value).</summary>
    private static readonly ParserConfiguration Configuration = new() { ResponseFileTokenReplacer = null, EnablePosixBundling = false };

    public ParseResult Parse(IReadOnlyList<string> tokens) => Root.Parse(tokens, Configuration);

    public ParseResult Parse(string text) => Root.Parse(text, Configuration);

    public CommandDefinition? DefinitionOf(Command command) => definitions.GetValueOrDefault(command);

    /// <summary>The palette and the words after it for a palette or a word group (e.g. router + ["endpoint"]).</summary>
    public (Palette Palette, string[] Words)? GroupOf(Command command) => groups.TryGetValue(command, out var group) ? group : null;

    /// <summary>The catalog's commands under a palette or word group, for its help.</summary>
    public IReadOnlyList<CommandDefinition> CommandsUnder(Command command) =>
        GroupOf(command) is var (palette, words)
            ? [.. palette.Commands.Where(c => c.Words.Length > words.Length && words.Select((w, i) => w == c.Words[i]).All(x => x))]
            : [];

    public string? ArgumentValue(ParseResult result, Command command, string name) =>
        arguments[command].TryGetValue(name, out var argument) && result.GetResult(argument) is { Tokens.Count: > 0 } ? result.GetValue(argument) : null;

    public string? OptionValue(ParseResult result, Command command, string name) =>
        options[command].TryGetValue(name, out var option) ? result.GetValue(option) : null;

    private void Add(Command paletteCommand, Palette palette, CommandDefinition definition)
    {
        var parent = paletteCommand;
        for (var i = 0; i < definition.Words.Length - 1; i++)
        {
            var word = definition.Words[i];
            var group = parent.Subcommands.FirstOrDefault(c => c.Name == word);
            if (group is null)
            {
                group = new Command(word, $"{palette.Name} {string.Join(' ', definition.Words[..(i + 1)])} commands");
                parent.Add(group);
                groups[group] = (palette, definition.Words[..(i + 1)]);
            }

            parent = group;
        }

        var command = new Command(definition.Words[^1], definition.Description);
        var commandArguments = new Dictionary<string, Argument<string>>();
        foreach (var argument in definition.Arguments)
        {
            var symbol = new Argument<string>(argument.Name)
            {
                Description = argument.Description,
                Arity = argument.Required ? ArgumentArity.ExactlyOne : ArgumentArity.ZeroOrOne,
            };
            command.Add(symbol);
            commandArguments[argument.Name] = symbol;
        }

        var commandOptions = new Dictionary<string, Option<string>>();
        foreach (var option in definition.Options)
        {
            var symbol = new Option<string>("--" + option.Name) { Description = option.Description, HelpName = option.ValueName };
            command.Add(symbol);
            commandOptions[option.Name] = symbol;
        }

        parent.Add(command);
        definitions[command] = definition;
        arguments[command] = commandArguments;
        options[command] = commandOptions;
    }
}
