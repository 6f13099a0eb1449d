namespace Router.Cli;

/// <summary>
/// The prompt <c>routerctl host:port&gt; </c>: reads lines from stdin and runs each like a command line
/// without the address. Errors are printed and the shell goes on; <c>exit</c>, <c>quit</c> or end of
/// input end it with exit code 0.
/// </summary>
internal sealed class InteractiveShell(CommandRunner runner, AdminAddress address, TextReader input, TextWriter output, TextWriter error)
{
    public string Prompt => $"routerctl {address.Display}> ";

    public async Task<int> RunAsync()
    {
        output.WriteLine($"routerctl: admin shell for {address.BaseUri.GetLeftPart(UriPartial.Authority)}. Type 'help' for commands, 'exit' to quit.");
        while (true)
        {
            output.Write(Prompt);
            await output.FlushAsync();
            var text = await input.ReadLineAsync();
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
            CommandLine line;
            try
            {
                words = CommandLine.Tokenize(text);
                line = CommandLine.Parse(words);
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

            await runner.RunAsync(line);
            await output.FlushAsync();
        }
    }
}
