namespace Router.Cli;

/// <summary>Prints rows as aligned columns under upper-case headers; numeric columns align right.</summary>
internal sealed class TableWriter
{
    private readonly string[] headers;
    private readonly bool[] rightAligned;
    private readonly List<string[]> rows = [];

    /// <param name="columns">Header texts; a header ending in ">" is right-aligned (the ">" is not printed).</param>
    public TableWriter(params string[] columns)
    {
        rightAligned = [.. columns.Select(c => c.EndsWith('>'))];
        headers = [.. columns.Select(c => c.TrimEnd('>'))];
    }

    public int Count => rows.Count;

    public TableWriter Row(params string?[] cells)
    {
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"expected {headers.Length} cells, got {cells.Length}", nameof(cells));
        }

        rows.Add([.. cells.Select(c => c ?? "")]);
        return this;
    }

    public void WriteTo(TextWriter output)
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        Write(output, headers, widths);
        foreach (var row in rows)
        {
            Write(output, row, widths);
        }
    }

    private void Write(TextWriter output, string[] cells, int[] widths)
    {
        var padded = cells.Select((c, i) => rightAligned[i] ? c.PadLeft(widths[i]) : c.PadRight(widths[i]));
        output.WriteLine(string.Join("  ", padded).TrimEnd());
    }
}
