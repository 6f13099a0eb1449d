namespace Router.Node.Configuration;

/// <summary>Loads and validates a node's configuration from the usual .NET sources.</summary>
public static class NodeConfiguration
{
    /// <summary>
    /// "--config file.json" replaces the embedded appsettings.json (so its model groups are not merged
    /// with the simulated default ones); environment variables and the command line still override it.
    /// Returns the file's full path, or null without --config.
    /// </summary>
    public static string? ApplyConfigFileArgument(ConfigurationManager configuration, string[] args)
    {
        var index = Array.FindIndex(args, a => a is "--config" or "-c");
        if (index < 0) return null;
        if (index + 1 >= args.Length)
            throw new NodeConfigurationException(["--config: give the path of a JSON configuration file, e.g. --config router.json"]);
        var path = Path.GetFullPath(args[index + 1]);
        if (!File.Exists(path))
            throw new NodeConfigurationException([$"--config: the file '{path}' does not exist"]);

        var remaining = args.Where((_, i) => i != index && i != index + 1).ToArray();
        configuration.Sources.Clear();
        LoadingJson(() => configuration.AddJsonFile(path, optional: false, reloadOnChange: false));
        configuration.AddEnvironmentVariables();
        configuration.AddCommandLine(remaining);
        return path;
    }

    /// <summary>
    /// Runs <paramref name="load"/>, turning a configuration file that is not valid JSON into one line naming the file,
    /// line and position (the configuration library throws InvalidDataException -> FormatException -> JsonException).
    /// </summary>
    public static T LoadingJson<T>(Func<T> load)
    {
        try { return load(); }
        catch (InvalidDataException e)
        {
            var file = System.Text.RegularExpressions.Regex.Match(e.Message, "'([^']*)'") is { Success: true } m ? m.Groups[1].Value : "a configuration file";
            var json = Inner<System.Text.Json.JsonException>(e);
            var innermost = e.GetBaseException().Message;
            // JsonException's numbers are zero-based; editors count from 1.
            var where = json is { LineNumber: { } line } ? $" at line {line + 1}, position {json.BytePositionInLine + 1}" : "";
            var reason = json is null ? innermost : System.Text.RegularExpressions.Regex.Replace(json.Message, @"\s*(Path:.*)?LineNumber:.*$", "").Trim();
            throw new NodeConfigurationException([$"{file}: not valid JSON{where}: {reason}"]);
        }
    }

    private static T? Inner<T>(Exception e) where T : Exception
    {
        for (var current = e; current is not null; current = current.InnerException)
            if (current is T match) return match;
        return null;
    }

    public static NodeOptions Bind(IConfiguration configuration)
    {
        var problems = new List<string>();
        // Unknown keys first: a misspelt key would otherwise leave its setting at the default without a word.
        if (configuration is IConfigurationRoot root) problems.AddRange(ConfigurationKeys.Check(root));
        NodeOptions? settings = null;
        try
        {
            settings = configuration.Get<NodeOptions>() ?? new NodeOptions();
        }
        catch (InvalidOperationException e)
        {
            problems.Add(Describe(e));
        }
        // The binder silently drops a dictionary entry whose values do not convert (an endpoint with
        // Weight=heavy would just vanish), so every endpoint and simulator is bound again on its own.
        foreach (var group in configuration.GetSection("ModelGroups").GetChildren())
            foreach (var endpoint in group.GetSection("Endpoints").GetChildren())
                TryBind<EndpointOptions>(endpoint, problems);
        foreach (var simulator in configuration.GetSection("Simulators").GetChildren())
            TryBind<Router.Simulator.SimulatorOptions>(simulator, problems);
        if (problems.Count > 0) throw new NodeConfigurationException(problems);
        return settings!;
    }

    private static void TryBind<T>(IConfigurationSection section, List<string> problems)
    {
        try { section.Get<T>(); }
        catch (InvalidOperationException e) { problems.Add(Describe(e)); }
    }

    /// <summary>The binder's message names the key and the value it could not convert.</summary>
    private static string Describe(InvalidOperationException e) =>
        e.Message + (e.InnerException is null ? "" : " " + e.InnerException.Message);
}
