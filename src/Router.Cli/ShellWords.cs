using System.Text;

namespace Router.Cli;

/// <summary>
/// Splits a line typed at the interactive prompt into words, as bash would have split it on the command line (the
/// shell's lines reach routerctl unsplit). System.CommandLine's own splitter knows only double quotes; operators also
/// type 'single quotes' and backslashes.
/// </summary>
internal static class ShellWords
{
    /// <summary>
    /// Splits an interactive line into words like a POSIX shell would, for the common cases:
    /// whitespace separates; "double quotes" group (with \" and \\ escapes); 'single quotes' group
    /// literally; a backslash outside quotes escapes the next character; adjacent parts join.
    /// </summary>
    public static IReadOnlyList<string> Split(string line)
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

    /// <summary>Like <see cref="Split"/>, but an unterminated quote ends the line (completion sees half-typed lines).</summary>
    public static IReadOnlyList<string> SplitLenient(string line)
    {
        try { return Split(line); }
        catch (UsageException)
        {
            try { return Split(line + "\""); }
            catch (UsageException) { return Split(line + "'"); }
        }
    }
}
