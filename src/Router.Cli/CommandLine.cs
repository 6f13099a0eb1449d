using System.Text;

namespace Router.Cli;

/// <summary>
/// A command line split into positional words and <c>--options</c>. Every option takes a value
/// (<c>--rpm 60</c> or <c>--rpm=60</c>) except the flags <c>--json</c> and <c>--help</c>/<c>-h</c>.
/// A word starting with a single dash (e.g. <c>-3</c>) is positional; <c>--</c> ends the options.
/// Which options a command accepts is checked later, once the command is known.
/// </summary>
internal sealed class CommandLine
{
    public const string Json = "json";
    public const string Help = "help";
    public const string Token = "token";
    public const string Timeout = "timeout";

    private static readonly HashSet<string> Flags = [Json, Help];

    private readonly Dictionary<string, string?> options;

    private CommandLine(List<string> positionals, Dictionary<string, string?> options)
    {
        Positionals = positionals;
        this.options = options;
    }

    public IReadOnlyList<string> Positionals { get; }

    /// <summary>Option names as given (without dashes), in no particular order.</summary>
    public IEnumerable<string> OptionNames => options.Keys;

    public bool Has(string name) => options.ContainsKey(name);

    /// <summary>The option's value; null when absent (and for flags).</summary>
    public string? Value(string name) => options.GetValueOrDefault(name);

    /// <summary>The same words without the first <paramref name="count"/> positionals.</summary>
    public CommandLine SkipPositionals(int count) => new([.. Positionals.Skip(count)], options);

    /// <summary>Splits <paramref name="tokens"/> (already split by the shell or by <see cref="Tokenize"/>).</summary>
    public static CommandLine Parse(IReadOnlyList<string> tokens)
    {
        var positionals = new List<string>();
        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        var onlyPositionals = false;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (onlyPositionals || token == "-" || !token.StartsWith('-') || (token.Length > 1 && token[1] != '-' && token != "-h"))
            {
                positionals.Add(token);
                continue;
            }

            if (token == "--")
            {
                onlyPositionals = true;
                continue;
            }

            if (token == "-h")
            {
                options[Help] = null;
                continue;
            }

            var name = token[2..];
            string? value = null;
            var equals = name.IndexOf('=');
            if (equals >= 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }

            if (name.Length == 0)
            {
                throw new UsageException($"'{token}' is not a valid option");
            }

            if (Flags.Contains(name))
            {
                if (value is not null)
                {
                    throw new UsageException($"option --{name} takes no value");
                }

                options[name] = null;
                continue;
            }

            if (value is null)
            {
                if (i + 1 >= tokens.Count || tokens[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new UsageException($"option --{name} needs a value");
                }

                value = tokens[++i];
            }

            options[name] = value;
        }

        return new CommandLine(positionals, options);
    }

    /// <summary>
    /// Splits an interactive line into words like a POSIX shell would, for the common cases:
    /// whitespace separates; "double quotes" group (with \" and \\ escapes); 'single quotes' group
    /// literally; a backslash outside quotes escapes the next character; adjacent parts join.
    /// </summary>
    public static IReadOnlyList<string> Tokenize(string line)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            switch (c)
            {
                case '"':
                    inWord = true;
                    for (i++; ; i++)
                    {
                        if (i >= line.Length)
                        {
                            throw new UsageException("unterminated double quote");
                        }

                        if (line[i] == '"')
                        {
                            break;
                        }

                        if (line[i] == '\\' && i + 1 < line.Length && line[i + 1] is '"' or '\\')
                        {
                            i++;
                        }

                        current.Append(line[i]);
                    }

                    break;
                case '\'':
                    inWord = true;
                    var end = line.IndexOf('\'', i + 1);
                    if (end < 0)
                    {
                        throw new UsageException("unterminated single quote");
                    }

                    current.Append(line, i + 1, end - i - 1);
                    i = end;
                    break;
                case '\\' when i + 1 < line.Length:
                    inWord = true;
                    current.Append(line[++i]);
                    break;
                default:
                    if (char.IsWhiteSpace(c))
                    {
                        if (inWord)
                        {
                            words.Add(current.ToString());
                            current.Clear();
                            inWord = false;
                        }
                    }
                    else
                    {
                        inWord = true;
                        current.Append(c);
                    }

                    break;
            }
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return words;
    }
}
