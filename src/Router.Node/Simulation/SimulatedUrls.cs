namespace Router.Node.Configuration;

/// <summary>sim://name urls point at a simulator the node starts itself (the embedded default configuration).</summary>
public static class SimulatedUrls
{
    public const string Scheme = "sim://";

    public static bool TryGetName(string url, out string name)
    {
        name = url.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? url[Scheme.Length..].TrimEnd('/') : "";
        return name.Length > 0;
    }
}
