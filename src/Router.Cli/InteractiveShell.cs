namespace Router.Cli;

/// <summary>
/// The prompt <c>routerctl host:port&gt; </c>: reads lines (with line editing, history and Tab completion on a terminal,
/// plainly from a pipe) and runs each like a command line without the address. Errors are printed and the shell goes
/// on; <c>exit</c>, <c>quit</c> or end of input end it with exit code 0.
/// </summary>
internal sealed class InteractiveShell(CommandRunner runner, AdminAddress address, ILineReader reader, TextWriter output, TextWriter error)
{
    public string Prompt => $"routerctl {address.Display}> ";

    public async Task<int> RunAsync()
    {
        output.WriteLine($"routerctl: admin shell for {address.BaseUri.GetLeftPart(UriPartial.Authority)}. Type 'help' for commands, 'exit' to quit.");
        while (true)
        {
            var text = await reader.ReadLineAsync(Prompt);
            if (text is null)
            {
                output.WriteLine();
                return ExitCodes.Success;
            }

            text = text.Trim();
            if (text.Length == 0 || text.StartsWith('#'))
            {
                continue;
            }

            IReadOnlyList<string> words;
            try
            {
                words = ShellWords.Split(text);
            }
            catch (UsageException e)
            {
                error.WriteLine(e.Message);
                continue;
            }

            if (words is ["exit" or "quit"])
            {
                return ExitCodes.Success;
            }

            await runner.RunAsync(words);
            await output.FlushAsync();
        }
    }
}

/// <summary>Where the shell's lines come from.</summary>
internal interface ILineReader
{
    /// <summary>The next line after showing <paramref name="prompt"/>; null at the end of input.</summary>
    Task<string?> ReadLineAsync(string prompt);
}

/// <summary>Lines from a pipe, a file or a test: the prompt is written, the line read as it is (no editing, no history).</summary>
internal sealed class PlainLineReader(TextReader input, TextWriter output) : ILineReader
{
    public async Task<string?> ReadLineAsync(string prompt)
    {
        output.Write(prompt);
        await output.FlushAsync();
        return await input.ReadLineAsync();
    }
}

/// <summary>Lines typed at a terminal, edited with <see cref="LineEditor"/>; the history is kept in a file between sessions.</summary>
internal sealed class ConsoleLineReader(ShellHistory history, Func<string, IReadOnlyList<string>> complete, Func<ConsoleKeyInfo>? readKey = null, TextWriter? echo = null) : ILineReader
{
    private readonly LineEditor editor = new(readKey ?? (() => Console.ReadKey(intercept: true)), echo ?? Console.Out, history, complete);

    public Task<string?> ReadLineAsync(string prompt)
    {
        var line = editor.ReadLine(prompt);
        if (line is not null)
        {
            history.Add(line);
            history.Save();
        }

        return Task.FromResult(line);
    }
}
