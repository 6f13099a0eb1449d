namespace Router.Cli.Tests;

/// <summary>Shell completion (the script and the [suggest] directive it calls) and the interactive shell's line editing and history.</summary>
public sealed class CompletionAndHistoryTests : IClassFixture<FakeAdminApi>, IDisposable
{
    private readonly FakeAdminApi api;
    private readonly string directory = Directory.CreateTempSubdirectory("routerctl-history-").FullName;

    public CompletionAndHistoryTests(FakeAdminApi api)
    {
        this.api = api;
        api.Reset();
    }

    public void Dispose()
    {
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }

    [Theory]
    [InlineData("bash", "complete -o default -o nospace -F _routerctl_complete routerctl")]
    [InlineData("zsh", "compdef _routerctl routerctl")]
    public async Task Completion_prints_a_script_that_asks_routerctl_for_suggestions(string shell, string registers)
    {
        var result = await Cli.RunAsync(["completion", shell]);

        result.ExitCode.Should().Be(0, result.ToString());
        result.Out.Should().Contain(registers).And.Contain("routerctl \"[suggest:");
        result.Err.Should().BeEmpty();
    }

    [Fact]
    public async Task Completion_for_an_unknown_shell_is_a_usage_error()
    {
        var result = await Cli.RunAsync(["completion", "fish"]);

        result.ExitCode.Should().Be(2);
        result.Err.Should().Contain("no completion script for 'fish'; shells: bash, zsh");
    }

    [Theory]
    [InlineData("routerctl rou", new[] { "router" }, new string[0])]
    [InlineData("routerctl ", new[] { "cluster", "sharding", "router", "completion" }, new string[0])]
    [InlineData("routerctl 127.0.0.1:9110 router endpoint ", new[] { "add", "drain", "show", "weight", "limits" }, new[] { "groups" })]
    [InlineData("routerctl router endpoint limits x --", new[] { "--max-in-flight", "--rpm", "--tpm", "--json", "--token" }, new[] { "--weight" })]
    [InlineData("routerctl cluster d", new[] { "down", "down-unreachable" }, new[] { "show", "leave" })]
    [InlineData("routerctl completion ", new[] { "bash", "zsh" }, new string[0])]
    public async Task The_suggest_directive_completes_palettes_commands_and_options(string line, string[] expected, string[] unexpected)
    {
        var result = await Cli.RunAsync([$"[suggest:{line.Length}]", line]);

        result.ExitCode.Should().Be(0, result.ToString());
        var words = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        words.Should().Contain(expected);
        if (unexpected.Length > 0) words.Should().NotContain(unexpected);
        api.Requests.Should().BeEmpty("completion asks no node");
    }

    [Fact]
    public async Task The_suggest_position_cuts_the_line_at_the_cursor()
    {
        const string line = "routerctl clu show";

        var result = await Cli.RunAsync(["[suggest:13]", line]);

        result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Should().Equal("cluster");
    }

    [Fact]
    public void The_line_editor_edits_with_arrows_and_recalls_history()
    {
        var history = new ShellHistory(Path.Combine(directory, "h"));
        history.Add("router groups");
        var keys = new Keys()
            .Type("cluster shw").Press(ConsoleKey.LeftArrow).Type("o").Press(ConsoleKey.End).Type("x").Press(ConsoleKey.Backspace).Press(ConsoleKey.Enter)
            .Press(ConsoleKey.UpArrow).Press(ConsoleKey.Enter)
            .Type("draft").Press(ConsoleKey.UpArrow).Press(ConsoleKey.DownArrow).Press(ConsoleKey.Home).Press(ConsoleKey.Delete).Press(ConsoleKey.Enter);
        var editor = new LineEditor(keys.Next, TextWriter.Null, history, _ => []);

        editor.ReadLine("> ").Should().Be("cluster show");
        editor.ReadLine("> ").Should().Be("router groups");
        editor.ReadLine("> ").Should().Be("raft", "Down goes back to the line being typed");
    }

    [Fact]
    public void Ctrl_D_on_an_empty_line_ends_the_input()
    {
        var keys = new Keys().Press(ConsoleKey.D, control: true);

        new LineEditor(keys.Next, TextWriter.Null, new ShellHistory(null), _ => []).ReadLine("> ").Should().BeNull();
    }

    [Fact]
    public void Tab_completes_the_word_before_the_cursor_from_the_command_tree()
    {
        var tree = new CommandTree(CommandCatalog.Default);
        var keys = new Keys().Type("rou").Press(ConsoleKey.Tab).Type("endpoint dr").Press(ConsoleKey.Tab).Type("x").Press(ConsoleKey.Enter);
        var echo = new StringWriter();

        var line = new LineEditor(keys.Next, echo, new ShellHistory(null), text => CompletionScripts.Complete(tree, text)).ReadLine("> ");

        line.Should().Be("router endpoint drain x");
    }

    [Fact]
    public void History_is_kept_in_a_file_without_blank_repeated_or_token_lines()
    {
        var path = Path.Combine(directory, "sub", "history");
        var history = new ShellHistory(path);
        history.Add("router groups");
        history.Add("router groups");
        history.Add("   ");
        history.Add("cluster show --token s3cret");
        history.Add("cluster show");
        history.Save();

        File.Exists(path).Should().BeTrue();
        new ShellHistory(path).Entries.Should().Equal("router groups", "cluster show");
    }

    [Fact]
    public void History_keeps_the_last_lines_only()
    {
        var path = Path.Combine(directory, "long");
        var history = new ShellHistory(path);
        for (var i = 0; i < ShellHistory.Capacity + 20; i++) history.Add($"cluster show {i}");
        history.Save();

        var reloaded = new ShellHistory(path).Entries;
        reloaded.Should().HaveCount(ShellHistory.Capacity);
        reloaded[^1].Should().Be($"cluster show {ShellHistory.Capacity + 19}");
    }

    [Fact]
    public async Task The_shell_on_a_terminal_runs_edited_and_recalled_lines_and_saves_them()
    {
        var path = Path.Combine(directory, "shell-history");
        var keys = new Keys().Type("router groups").Press(ConsoleKey.Enter).Press(ConsoleKey.UpArrow).Press(ConsoleKey.Enter).Press(ConsoleKey.D, control: true);
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await RouterCtl.RunAsync([api.Address, "--token", FakeAdminApi.Token], TextReader.Null, output, error, null, null,
            tree => new ConsoleLineReader(new ShellHistory(path), text => CompletionScripts.Complete(tree, text), keys.Next, output));

        code.Should().Be(0, error.ToString());
        api.Requests.Select(r => r.Path).Should().Equal("/admin/router/groups", "/admin/router/groups");
        File.ReadAllLines(path).Should().Equal("router groups");
    }

    /// <summary>Key presses for a <see cref="LineEditor"/>.</summary>
    private sealed class Keys
    {
        private readonly Queue<ConsoleKeyInfo> queue = new();

        public Keys Type(string text)
        {
            foreach (var c in text)
                queue.Enqueue(new ConsoleKeyInfo(c, char.IsLetter(c) ? Enum.Parse<ConsoleKey>(char.ToUpperInvariant(c).ToString()) : ConsoleKey.Oem1, false, false, false));
            return this;
        }

        public Keys Press(ConsoleKey key, bool control = false)
        {
            var character = key switch { ConsoleKey.Enter => '\r', ConsoleKey.Tab => '\t', ConsoleKey.Backspace => '\b', _ => control ? (char)(key - ConsoleKey.A + 1) : '\0' };
            queue.Enqueue(new ConsoleKeyInfo(character, key, false, false, control));
            return this;
        }

        public ConsoleKeyInfo Next() => queue.Count > 0 ? queue.Dequeue() : throw new InvalidOperationException("the editor asked for more keys than were typed");
    }
}
