using Router.Actors.Strategies;
using Router.Messages.Admin;
using Router.Messages.Endpoints;

namespace Router.Actors.Directory;

/// <summary>Checks directory changes before they are written; each problem is named so an admin can fix it.</summary>
public static partial class DefinitionValidator
{
    /// <summary>
    /// Endpoint ids: a letter or digit, then up to 127 letters, digits, '.', '_', ':' or '-'. Such an id is one URL path
    /// segment as it is (the admin API addresses endpoints by id), one word in a shell and a log line, and a configuration
    /// key (':' only through the admin API: in configuration it separates sections).
    /// </summary>
    public const string IdPattern = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$";

    /// <summary>
    /// Model group names are the model names clients send, so they may also hold '/' (org/model-7b, as Hugging Face
    /// names do); otherwise the same set as <see cref="IdPattern"/>.
    /// </summary>
    public const string GroupNamePattern = "^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$";

    [System.Text.RegularExpressions.GeneratedRegex(IdPattern)]
    private static partial System.Text.RegularExpressions.Regex IdRegex();

    [System.Text.RegularExpressions.GeneratedRegex(GroupNamePattern)]
    private static partial System.Text.RegularExpressions.Regex GroupNameRegex();

    public static bool IsValidId(string? id) => id is not null && IdRegex().IsMatch(id);

    public static bool IsValidGroupName(string? name) => name is not null && GroupNameRegex().IsMatch(name);

    /// <summary>Why <paramref name="id"/> cannot be an endpoint id, or null. Start-up configuration and admin writes both ask this.</summary>
    public static string? IdProblem(string? id) =>
        string.IsNullOrWhiteSpace(id) ? "endpoint id is empty"
        : IsValidId(id) ? null
        : $"endpoint id '{Printable(id)}' is not a valid id: use 1-128 characters, letters, digits, '.', '_', ':' or '-', starting with a letter or digit";

    /// <summary>Why <paramref name="name"/> cannot be a model group name, or null.</summary>
    public static string? GroupNameProblem(string? name) =>
        string.IsNullOrWhiteSpace(name) ? "model group name is empty"
        : IsValidGroupName(name) ? null
        : $"model group '{Printable(name)}' is not a valid name: use 1-128 characters, letters, digits, '.', '_', ':', '/' or '-', starting with a letter or digit";

    /// <summary>An id as it can be shown in a message: control characters escaped, at most 140 characters.</summary>
    private static string Printable(string id)
    {
        var text = string.Concat(id.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
        return text.Length > 140 ? text[..140] + "..." : text;
    }

    /// <summary>sim://name: a host name and nothing else (no port, path, query or credentials).</summary>
    public static bool IsSimulatorUrl(Uri uri) =>
        uri.Scheme == "sim" && uri.Host.Length > 0 && uri.IsDefaultPort && uri.AbsolutePath is "" or "/" && uri.Query.Length == 0 && uri.UserInfo.Length == 0;

    public static IReadOnlyList<string> Validate(EndpointDefinition e)
    {
        var problems = new List<string>();
        if (IdProblem(e.Id) is { } idProblem) problems.Add(idProblem);
        // The group's name was checked where the group was defined; an endpoint must name an existing one.
        if (string.IsNullOrWhiteSpace(e.ModelGroup)) problems.Add($"endpoint '{e.Id}': model group is empty");
        // sim://name names a simulator the gateway node runs itself (the demo); the node resolves it to the simulator's
        // live port when it forwards, so the registry stores the name, not a port that changes with every start.
        if (!Uri.TryCreate(e.Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps && !IsSimulatorUrl(uri)))
            problems.Add($"endpoint '{e.Id}': url '{e.Url}' is not an absolute http(s) url (or sim://name for a simulator the node runs)");
        if (e.Weight < 0) problems.Add($"endpoint '{e.Id}': weight must be 0 or more, got {e.Weight}");
        AddIfNotPositive(problems, e.Id, "max in-flight", e.MaxInFlight);
        AddIfNotPositive(problems, e.Id, "rpm", e.Rpm);
        AddIfNotPositive(problems, e.Id, "tpm", e.Tpm);
        AddIfNotPositive(problems, e.Id, "context window", e.ContextWindow);
        if (e.InputCostPer1KTokens < 0 || e.OutputCostPer1KTokens < 0) problems.Add($"endpoint '{e.Id}': costs must be 0 or more");
        if (!UpstreamAuth.IsKnown(e.Auth))
            problems.Add($"endpoint '{e.Id}': unknown auth style '{e.Auth}' (known: {string.Join(", ", UpstreamAuth.All)})");
        if (e.ApiVersion is { } version && (version.Length == 0 || version.Any(c => char.IsWhiteSpace(c) || c is '&' or '#' or '?' or '=')))
            problems.Add($"endpoint '{e.Id}': api version '{version}' must be a plain value such as 2024-10-21");
        if (uri is not null && uri.Query.Length > 0)
            problems.Add($"endpoint '{e.Id}': url '{e.Url}' has a query; give the api version as ApiVersion instead");
        foreach (var (header, variable) in e.HeadersFromEnv ?? new Dictionary<string, string>())
        {
            if (header.Length == 0 || !header.All(IsTokenChar))
                problems.Add($"endpoint '{e.Id}': header name '{header}' is not a valid HTTP header name");
            else if (ReservedHeaders.Contains(header))
                problems.Add($"endpoint '{e.Id}': header '{header}' is set by the gateway and cannot be configured (use Auth and ApiKeyEnv for keys)");
            if (string.IsNullOrWhiteSpace(variable))
                problems.Add($"endpoint '{e.Id}': header '{header}' names no environment variable");
        }
        return problems;
    }

    /// <summary>
    /// The environment variables <paramref name="e"/> needs (ApiKeyEnv, HeadersFromEnv) that <paramref name="environment"/>
    /// does not have: an endpoint whose key the node cannot read would be called without it.
    /// </summary>
    public static IReadOnlyList<string> MissingVariables(EndpointDefinition e, Func<string, string?> environment)
    {
        var problems = new List<string>();
        if (!string.IsNullOrWhiteSpace(e.ApiKeyEnv) && string.IsNullOrEmpty(environment(e.ApiKeyEnv)))
            problems.Add($"endpoint '{e.Id}': ApiKeyEnv names '{e.ApiKeyEnv}', which is not set in this node's environment; set it on every gateway (and restart them) before adding the endpoint");
        foreach (var (header, variable) in e.HeadersFromEnv ?? new Dictionary<string, string>())
            if (!string.IsNullOrWhiteSpace(variable) && string.IsNullOrEmpty(environment(variable)))
                problems.Add($"endpoint '{e.Id}': header '{header}' names '{variable}', which is not set in this node's environment");
        return problems;
    }

    public static IReadOnlyList<string> Validate(UpdateEndpoint u)
    {
        var problems = new List<string>();
        if (u.Weight < 0) problems.Add($"endpoint '{u.EndpointId}': weight must be 0 or more, got {u.Weight}");
        AddIfNotPositive(problems, u.EndpointId, "max in-flight", u.MaxInFlight);
        AddIfNotPositive(problems, u.EndpointId, "rpm", u.Rpm);
        AddIfNotPositive(problems, u.EndpointId, "tpm", u.Tpm);
        return problems;
    }

    public static IReadOnlyList<string> Validate(ModelGroupDefinition g, StrategyRegistry strategies)
    {
        var problems = new List<string>();
        if (GroupNameProblem(g.Name) is { } nameProblem) problems.Add(nameProblem);
        if (!strategies.Contains(g.Strategy))
            problems.Add($"model group '{g.Name}': unknown strategy '{g.Strategy}' (known: {string.Join(", ", strategies.Names.Order())})");
        if (g.Fallbacks?.Contains(g.Name) == true) problems.Add($"model group '{g.Name}' lists itself as a fallback");
        return problems;
    }

    private static readonly HashSet<string> ReservedHeaders = new(
        ["Host", "Content-Length", "Content-Type", "Transfer-Encoding", "Connection", "Authorization", "api-key", "Upgrade", "TE", "Trailer", "Keep-Alive"],
        StringComparer.OrdinalIgnoreCase);

    // RFC 9110 token characters.
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);

    private static void AddIfNotPositive(List<string> problems, string id, string what, long? value)
    {
        if (value is <= 0) problems.Add($"endpoint '{id}': {what} must be positive when set, got {value}");
    }
}
