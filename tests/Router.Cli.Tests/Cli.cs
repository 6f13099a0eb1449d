using System.Text;

namespace Router.Cli.Tests;

/// <summary>What one routerctl run printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Out, string Err)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Out}\n--- stderr ---\n{Err}";
}

/// <summary>Runs <see cref="RouterCtl.RunAsync(string[], TextReader, TextWriter, TextWriter, HttpMessageHandler?)"/> with captured output.</summary>
public static class Cli
{
    public static async Task<CliResult> RunAsync(string[] args, string stdin = "", HttpMessageHandler? handler = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await RouterCtl.RunAsync(args, new StringReader(stdin), output, error, handler);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>Against <paramref name="api"/> with the right token: <c>routerctl host:port ARGS --token s3cret</c>.</summary>
    public static Task<CliResult> Against(FakeAdminApi api, params string[] args) =>
        RunAsync([api.Address, .. args, "--token", FakeAdminApi.Token]);

    /// <summary>A port on 127.0.0.1 where nothing listens.</summary>
    public static int ClosedPort() => FreePorts.Next();
}

/// <summary>A thread-safe writer that lets a test wait until some text was printed (for streams).</summary>
public sealed class ObservableWriter : TextWriter
{
    private readonly StringBuilder text = new();
    private readonly Lock gate = new();

    public override Encoding Encoding => Encoding.UTF8;

    public string Text
    {
        get
        {
            lock (gate)
            {
                return text.ToString();
            }
        }
    }

    public override void Write(char value)
    {
        lock (gate)
        {
            text.Append(value);
        }
    }

    public override void Write(string? value)
    {
        lock (gate)
        {
            text.Append(value);
        }
    }

    public override void Write(char[] buffer, int index, int count)
    {
        lock (gate)
        {
            text.Append(buffer, index, count);
        }
    }

    public Task WaitForAsync(string expected, TimeSpan timeout) =>
        Eventually.Until(() => Text, text => text.Contains(expected, StringComparison.Ordinal), $"'{expected}' is printed", timeout,
            TimeSpan.FromMilliseconds(10));
}
