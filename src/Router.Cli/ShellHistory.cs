namespace Router.Cli;

/// <summary>
/// The interactive shell's history: one line per entry in a file under the user's configuration directory
/// (<c>~/.config/routerctl/history</c>, or <c>$ROUTERCTL_HISTORY</c>), the last <see cref="Capacity"/> lines kept.
/// A file that cannot be read or written only costs the history, never the shell.
/// </summary>
internal sealed class ShellHistory
{
    public const string EnvironmentVariable = "ROUTERCTL_HISTORY";

    public const int Capacity = 500;

    private readonly List<string> entries = [];

    public ShellHistory(string? path)
    {
        Path = path;
        if (path is null) return;
        try
        {
            if (File.Exists(path)) entries.AddRange(File.ReadAllLines(path).Where(l => l.Length > 0).TakeLast(Capacity));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No history this time.
        }
    }

    public string? Path { get; }

    public IReadOnlyList<string> Entries => entries;

    public static string DefaultPath() =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } path
            ? path
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify), "routerctl", "history");

    /// <summary>Adds a line; blank lines and a repeat of the last line are not kept. The admin token is never kept.</summary>
    public void Add(string line)
    {
        line = line.Trim();
        if (line.Length == 0 || (entries.Count > 0 && entries[^1] == line) || line.Contains("--token", StringComparison.Ordinal)) return;
        entries.Add(line);
        if (entries.Count > Capacity) entries.RemoveRange(0, entries.Count - Capacity);
    }

    public void Save()
    {
        if (Path is null) return;
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
            File.WriteAllLines(Path, entries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The shell goes on without saving.
        }
    }
}
