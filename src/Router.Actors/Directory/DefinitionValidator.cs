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

    private static void AddIfNotPositive(List<string> problems, string id, string what, long? value)
    {
        if (value is <= 0) problems.Add($"endpoint '{id}': {what} must be positive when set, got {value}");
    }
}
