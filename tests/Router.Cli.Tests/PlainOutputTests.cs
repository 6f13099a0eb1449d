namespace Router.Cli.Tests;

/// <summary>Tables are Spectre.Console tables: plain text (no ANSI, no trailing spaces, no wrapping) unless a terminal shows them.</summary>
public sealed class PlainOutputTests : IClassFixture<FakeAdminApi>
{
    private readonly FakeAdminApi api;

    public PlainOutputTests(FakeAdminApi api)
    {
        this.api = api;
        api.Reset();
    }

    [Theory]
    [InlineData("router", "endpoints")]
    [InlineData("router", "stats")]
    [InlineData("cluster", "show")]
    [InlineData("sharding", "regions")]
    public async Task Captured_output_has_no_escape_codes_and_no_trailing_spaces(string palette, string command)
    {
        var result = await Cli.Against(api, palette, command);

        result.ExitCode.Should().Be(0, result.ToString());
        result.Out.Should().NotContain("\u001b");
        result.Out.Split('\n').Should().OnlyContain(line => line == line.TrimEnd());
    }

    [Fact]
    public void A_wide_table_keeps_each_row_on_one_line_when_not_a_terminal()
    {
        var writer = new StringWriter();
        var cells = Enumerable.Range(0, 12).Select(i => new string((char)('a' + i), 30)).ToArray();

        new Output(writer).Write(Output.Table([.. cells.Select((_, i) => $"COLUMN{i}")]).Row(cells));

        var lines = writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(2);
        lines[1].Should().Be(string.Join("  ", cells));
    }

    [Fact]
    public void A_terminal_gets_bold_headers()
    {
        var writer = new StringWriter();

        new Output(writer, color: true).Write(Output.Table("NAME", "COUNT>").Row("a", "1"));

        writer.ToString().Should().Contain("\u001b[1mNAME");
    }
}
