namespace Router.Cli;

/// <summary>A positional argument of a command, e.g. <c>&lt;id&gt;</c> or <c>[address]</c>.</summary>
internal sealed record CommandArgument(string Name, string Description, bool Required = true)
{
    public string Usage => Required ? $"<{Name}>" : $"[{Name}]";
}

/// <summary>A <c>--name &lt;value&gt;</c> option of a command.</summary>
internal sealed record CommandOption(string Name, string ValueName, string Description)
{
    public string Usage => $"--{Name} <{ValueName}>";
}

/// <summary>
/// One command of a palette: its words after the palette (e.g. "endpoint add"), arguments, options,
/// a one-line description for help, and the handler that runs it.
/// </summary>
internal sealed record CommandDefinition(
    string Palette,
    string Name,
    string Description,
    IReadOnlyList<CommandArgument> Arguments,
    IReadOnlyList<CommandOption> Options,
    Func<CommandContext, Task<int>> Handler)
{
    public string[] Words { get; } = Name.Split(' ');

    public string FullName => $"{Palette} {Name}";

    /// <summary>e.g. <c>router endpoint weight &lt;id&gt; &lt;weight&gt;</c>, with <c>[options]</c> standing for the options.</summary>
    public string Synopsis => string.Join(' ', [FullName, .. Arguments.Select(a => a.Usage), .. Options.Count > 0 ? ["[options]"] : Array.Empty<string>()]);

    /// <summary>The synopsis with the command's options, e.g. <c>... [--rpm &lt;n&gt;]</c>.</summary>
    public string Usage => string.Join(' ', [FullName, .. Arguments.Select(a => a.Usage), .. Options.Select(o => $"[{o.Usage}]")]);
}

/// <summary>A group of related commands, as in Petabridge.Cmd: <c>cluster</c>, <c>sharding</c>, <c>router</c>.</summary>
internal sealed record Palette(string Name, string Description, IReadOnlyList<CommandDefinition> Commands);

/// <summary>Shorthand for palettes declaring their commands.</summary>
internal static class Define
{
    public static CommandArgument Arg(string name, string description) => new(name, description);

    public static CommandArgument OptionalArg(string name, string description) => new(name, description, Required: false);

    public static CommandOption Option(string name, string valueName, string description) => new(name, valueName, description);
}
