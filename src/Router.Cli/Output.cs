using Spectre.Console;
using Spectre.Console.Rendering;

namespace Router.Cli;

/// <summary>
/// Where a command prints: plain text lines, and Spectre.Console tables and grids. Output that is not a terminal (a
/// pipe, a file, a test's writer), or with NO_COLOR, CI or TERM=dumb set, is plain: no ANSI codes, no wrapping, no
/// trailing spaces, one row per line, so scripts and tests read it as text.
/// </summary>
internal sealed class Output(TextWriter writer, bool color = false)
{
    /// <summary>Wide enough that no table row wraps where nothing can show it wrapped.</summary>
    private const int PlainWidth = 4096;

    public TextWriter Writer { get; } = writer;

    /// <summary>ANSI styles (bold headers); only for a terminal.</summary>
    public bool Color { get; } = color;

    public void WriteLine(string text = "") => Writer.WriteLine(text);

    public void Write(IRenderable renderable)
    {
        var buffer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(buffer),
            Ansi = Color ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = Color ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = Color ? TerminalWidth() : PlainWidth;
        console.Write(renderable);
        var text = buffer.ToString().Replace("\r\n", "\n").TrimEnd('\n');
        foreach (var line in text.Split('\n')) Writer.WriteLine(line.TrimEnd());
    }

    /// <summary>A table without borders: upper-case headers, columns two spaces apart; a header ending in "&gt;" is right-aligned (numbers).</summary>
    public static Rows Table(params string[] columns) => new(columns);

    /// <summary>Two columns, indented: <c>  name  description</c>.</summary>
    public static Grid TwoColumns(IEnumerable<(string Left, string Right)> rows, int indent = 2)
    {
        var grid = new Grid();
        grid.AddColumn(new GridColumn().NoWrap().Padding(indent, 0, 0, 0));
        grid.AddColumn(new GridColumn().Padding(2, 0, 0, 0));
        foreach (var (left, right) in rows) grid.AddRow(new Text(left), new Text(right));
        return grid;
    }

    /// <summary>Whether the process's own stdout is a terminal that may show colours.</summary>
    public static bool TerminalAllowsColor() =>
        !Console.IsOutputRedirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"))
        && Environment.GetEnvironmentVariable("TERM") != "dumb";

    private static int TerminalWidth()
    {
        try { return Console.WindowWidth > 0 ? Console.WindowWidth : 120; }
        catch (IOException) { return 120; }
    }

    /// <summary>The rows of a borderless Spectre table.</summary>
    internal sealed class Rows : IRenderable
    {
        private readonly Table table = new() { Border = TableBorder.None, ShowHeaders = true };

        public Rows(string[] columns)
        {
            for (var i = 0; i < columns.Length; i++)
            {
                var header = columns[i].TrimEnd('>');
                var column = new TableColumn(new Markup($"[bold]{Markup.Escape(header)}[/]"))
                    .Padding(0, 0, i == columns.Length - 1 ? 0 : 2, 0).NoWrap();
                column.Alignment = columns[i].EndsWith('>') ? Justify.Right : Justify.Left;
                table.AddColumn(column);
            }
        }

        public int Count => table.Rows.Count;

        public Rows Row(params string?[] cells)
        {
            if (cells.Length != table.Columns.Count) throw new ArgumentException($"expected {table.Columns.Count} cells, got {cells.Length}", nameof(cells));
            table.AddRow(cells.Select(c => (IRenderable)new Text(c ?? "")).ToArray());
            return this;
        }

        public Measurement Measure(RenderOptions options, int maxWidth) => ((IRenderable)table).Measure(options, maxWidth);

        public IEnumerable<Segment> Render(RenderOptions options, int maxWidth) => ((IRenderable)table).Render(options, maxWidth);
    }
}
