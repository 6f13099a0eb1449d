using Router.Actors.Strategies;
using Router.Messages.Admin;
using Router.Messages.Endpoints;

namespace Router.Actors.Directory;

/// <summary>Checks directory changes before they are written; each problem is named so an admin can fix it.</summary>
public static class DefinitionValidator
{
    public static IReadOnlyList<string> Validate(EndpointDefinition e)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(e.Id)) problems.Add("endpoint id is empty");
        if (string.IsNullOrWhiteSpace(e.ModelGroup)) problems.Add($"endpoint '{e.Id}': model group is empty");
        if (!Uri.TryCreate(e.Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            problems.Add($"endpoint '{e.Id}': url '{e.Url}' is not an absolute http(s) url");
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
        if (string.IsNullOrWhiteSpace(g.Name)) problems.Add("model group name is empty");
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
