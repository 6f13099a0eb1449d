using System.Globalization;
using Router.AdminApi;

namespace Router.Cli;

/// <summary>What a command handler gets: its parsed arguments and options, the API client and the output.</summary>
internal sealed class CommandContext(
    CommandDefinition command,
    IReadOnlyList<string> arguments,
    Func<string, string?> options,
    AdminApiClient api,
    Output output,
    TextWriter error,
    bool json,
    CancellationToken cancellation)
{
    public CommandDefinition Command { get; } = command;

    public AdminApiClient Api { get; } = api;

    public Output Out { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>Print raw JSON instead of tables.</summary>
    public bool Json { get; } = json;

    /// <summary>Cancelled by Ctrl-C (see <see cref="InterruptSource"/>).</summary>
    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>A positional argument by its declared name; null when an optional one was not given.</summary>
    public string? Argument(string name)
    {
        var index = IndexOf(name);
        return index < arguments.Count ? arguments[index] : null;
    }

    public string RequiredArgument(string name) =>
        Argument(name) ?? throw new UsageException($"missing argument <{name}>", Command);

    public int IntArgument(string name) => ParseInt($"<{name}>", RequiredArgument(name));

    public string? Option(string name) => options(name);

    public int? IntOption(string name) => options(name) is { } value ? ParseInt($"--{name}", value) : null;

    public long? LongOption(string name)
    {
        if (options(name) is not { } value)
        {
            return null;
        }

        return long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw new UsageException($"--{name} must be an integer, got '{value}'", Command);
    }

    public double? DoubleOption(string name)
    {
        if (options(name) is not { } value)
        {
            return null;
        }

        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var result) && double.IsFinite(result)
            ? result
            : throw new UsageException($"--{name} must be a number, got '{value}'", Command);
    }

    /// <summary>A comma-separated option, e.g. <c>--tags eu,prod</c>; empty items are dropped.</summary>
    public IReadOnlyList<string>? ListOption(string name) =>
        options(name) is { } value
            ? value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : null;

    /// <summary>GETs <paramref name="path"/>; prints the raw JSON with --json, else lets <paramref name="render"/> print it.</summary>
    /// A partial answer (some node or actor did not answer in time) is still printed, with a warning on stderr.
    public async Task<int> QueryAsync<T>(string path, Action<T, Output> render)
    {
        var response = await Api.GetAsync<T>(path, Cancellation);
        if (Json)
        {
            Out.WriteLine(AdminJson.Pretty(response.Raw));
        }
        else
        {
            render(response.Value, Out);
        }

        PartialAnswers.Warn(response.Raw, Error);
        return ExitCodes.Success;
    }

    /// <summary>Sends a command and prints the node's <see cref="AdminMessage"/> (or its raw JSON with --json).</summary>
    public async Task<int> CommandAsync(HttpMethod method, string path, object? body = null)
    {
        var response = await Api.CommandAsync(method, path, body, Cancellation);
        Out.WriteLine(Json ? AdminJson.Pretty(response.Raw) : response.Value.Message);
        return ExitCodes.Success;
    }

    private int ParseInt(string what, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw new UsageException($"{what} must be an integer, got '{value}'", Command);

    private int IndexOf(string name)
    {
        for (var i = 0; i < Command.Arguments.Count; i++)
        {
            if (Command.Arguments[i].Name == name)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"{Command.FullName} declares no argument '{name}'");
    }
}
