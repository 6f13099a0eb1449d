using System.Text;

namespace Router.Cli;

/// <summary>
/// Reads one line from a terminal key by key: Left/Right (and Ctrl-B/Ctrl-F), Home/End (Ctrl-A/Ctrl-E), Backspace,
/// Delete, Ctrl-U (clear), Ctrl-K (to the end), Up/Down through the <see cref="ShellHistory"/>, Tab to complete the word
/// before the cursor (one candidate is inserted, several are listed), Enter to accept, Ctrl-D on an empty line for the
/// end of input. Keys come from a function so tests can type.
/// </summary>
internal sealed class LineEditor(Func<ConsoleKeyInfo> readKey, TextWriter echo, ShellHistory history, Func<string, IReadOnlyList<string>> complete)
{
    public string? ReadLine(string prompt)
    {
        var buffer = new StringBuilder();
        var cursor = 0;
        var historyIndex = history.Entries.Count; // Entries.Count: the line being typed
        var typed = "";
        echo.Write(prompt);
        echo.Flush();
        while (true)
        {
            var key = readKey();
            var control = (key.Modifiers & ConsoleModifiers.Control) != 0;
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    echo.WriteLine();
                    return buffer.ToString();
                case ConsoleKey.D when control:
                    if (buffer.Length > 0) break;
                    echo.WriteLine();
                    return null;
                case ConsoleKey.LeftArrow:
                case ConsoleKey.B when control:
                    cursor = Math.Max(0, cursor - 1);
                    break;
                case ConsoleKey.RightArrow:
                case ConsoleKey.F when control:
                    cursor = Math.Min(buffer.Length, cursor + 1);
                    break;
                case ConsoleKey.Home:
                case ConsoleKey.A when control:
                    cursor = 0;
                    break;
                case ConsoleKey.End:
                case ConsoleKey.E when control:
                    cursor = buffer.Length;
                    break;
                case ConsoleKey.Backspace:
                    if (cursor > 0) buffer.Remove(--cursor, 1);
                    break;
                case ConsoleKey.Delete:
                    if (cursor < buffer.Length) buffer.Remove(cursor, 1);
                    break;
                case ConsoleKey.U when control:
                    buffer.Remove(0, cursor);
                    cursor = 0;
                    break;
                case ConsoleKey.K when control:
                    buffer.Remove(cursor, buffer.Length - cursor);
                    break;
                case ConsoleKey.UpArrow:
                case ConsoleKey.P when control:
                    if (historyIndex == 0) break;
                    if (historyIndex == history.Entries.Count) typed = buffer.ToString();
                    Replace(buffer, history.Entries[--historyIndex], ref cursor);
                    break;
                case ConsoleKey.DownArrow:
                case ConsoleKey.N when control:
                    if (historyIndex >= history.Entries.Count) break;
                    historyIndex++;
                    Replace(buffer, historyIndex == history.Entries.Count ? typed : history.Entries[historyIndex], ref cursor);
                    break;
                case ConsoleKey.Tab:
                    Complete(buffer, ref cursor, prompt);
                    break;
                default:
                    if (key.KeyChar != '\0' && !char.IsControl(key.KeyChar))
                    {
                        buffer.Insert(cursor++, key.KeyChar);
                    }

                    break;
            }

            Redraw(prompt, buffer, cursor);
        }
    }

    private void Complete(StringBuilder buffer, ref int cursor, string prompt)
    {
        var before = buffer.ToString(0, cursor);
        var candidates = complete(before);
        if (candidates.Count == 0) return;
        var start = before.LastIndexOf(' ') + 1;
        var word = before[start..];
        var common = candidates.Aggregate((a, b) => new string(a.TakeWhile((c, i) => i < b.Length && b[i] == c).ToArray()));
        if (candidates.Count == 1) common += " ";
        if (common.Length > word.Length || candidates.Count == 1)
        {
            buffer.Remove(start, cursor - start).Insert(start, common);
            cursor = start + common.Length;
            return;
        }

        echo.WriteLine();
        echo.WriteLine(string.Join("  ", candidates));
        echo.Write(prompt);
    }

    private static void Replace(StringBuilder buffer, string text, ref int cursor)
    {
        buffer.Clear().Append(text);
        cursor = buffer.Length;
    }

    /// <summary>Rewrites the line: carriage return, prompt, text, clear to the end, then the cursor back into place.</summary>
    private void Redraw(string prompt, StringBuilder buffer, int cursor)
    {
        echo.Write('\r');
        echo.Write(prompt);
        echo.Write(buffer.ToString());
        echo.Write("\u001b[K");
        if (buffer.Length > cursor) echo.Write($"\u001b[{buffer.Length - cursor}D");
        echo.Flush();
    }
}
