using System.Globalization;

namespace Router.Cli;

/// <summary>The options every command takes: <c>--token</c>, <c>--json</c>, <c>--timeout</c> (and <c>--help</c>).</summary>
internal sealed record GlobalOptions(string? Token, bool Json, TimeSpan Timeout)
{
    public const string TokenEnvironmentVariable = "ROUTER_ADMIN_TOKEN";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public static GlobalOptions FromEnvironment() =>
        new(Environment.GetEnvironmentVariable(TokenEnvironmentVariable) is { Length: > 0 } token ? token : null, false, DefaultTimeout);

    /// <summary>These defaults overridden by what a command line says (null: not given).</summary>
    public GlobalOptions With(string? token, bool json, string? timeoutText, CommandDefinition? command = null)
    {
        var timeout = Timeout;
        if (timeoutText is { } text)
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !(seconds > 0) || seconds > 86_400)
            {
                throw new UsageException($"--timeout must be a number of seconds greater than 0, got '{text}'", command);
            }

            timeout = TimeSpan.FromSeconds(seconds);
        }

        return new GlobalOptions(token ?? Token, Json || json, timeout);
    }
}
