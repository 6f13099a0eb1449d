using System.Collections;
using System.ComponentModel;
using System.Reflection;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Memory;

namespace Router.Node.Configuration;

/// <summary>
/// Strict configuration: every key under the node's own sections must be a setting that binding would use, so a
/// misspelt key (<c>Router:Retires</c>, <c>ModelGroups:g:Endpoint</c>) stops the node instead of being silently
/// ignored. The known keys are read from <see cref="NodeOptions"/> by reflection, case-insensitively like the
/// binder, so a new setting needs no list here.
/// </summary>
public static class ConfigurationKeys
{
    /// <summary>
    /// Top-level sections and keys that are not the node's settings and are left alone: ASP.NET Core's own
    /// (Logging, Kestrel, AllowedHosts and the host keys such as urls or environment), OpenTelemetry's SDK
    /// (OpenTelemetry, OTEL_* variables) and a JSON schema reference. The node's own Telemetry section is a setting
    /// (NodeOptions.Telemetry) and is checked like the others.
    /// </summary>
    public static readonly IReadOnlySet<string> IgnoredSections = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Logging", "Kestrel", "AllowedHosts", "OpenTelemetry", "$schema",
        // Host settings the generic host and ASP.NET Core read themselves (also as --urls, --environment ...).
        "urls", "http_ports", "https_ports", "environment", "contentRoot", "applicationName", "webroot", "detailedErrors",
        "shutdownTimeoutSeconds", "hostingStartupAssemblies", "hostingStartupExcludeAssemblies", "preventHostingStartup",
        "suppressStatusMessages", "captureStartupErrors",
    };

    /// <summary>Top-level key prefixes left alone (OpenTelemetry's environment variables, also set in a file or on the command line).</summary>
    public static readonly IReadOnlyList<string> IgnoredPrefixes = ["OTEL_"];

    private static readonly Shape Root = ShapeOf(typeof(NodeOptions), new Dictionary<Type, Shape>());

    /// <summary>The node's own top-level sections (NodeOptions' properties).</summary>
    public static IEnumerable<string> Sections => Root.Members!.Keys;

    /// <summary>
    /// One problem per unknown key, e.g. <c>Router:Retires is not a setting; did you mean Retries? (in /etc/router.json)</c>.
    /// Files, the command line and in-memory sources are checked whole; environment variables (and other sources that carry
    /// unrelated keys, like PATH) only under the node's own sections.
    /// </summary>
    public static IReadOnlyList<string> Check(IConfigurationRoot configuration)
    {
        var problems = new List<string>();
        var reported = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var provider in configuration.Providers)
        {
            var strictTopLevel = provider is FileConfigurationProvider or CommandLineConfigurationProvider or MemoryConfigurationProvider;
            foreach (var key in KeysOf(provider, null))
            {
                var segments = key.Split(ConfigurationPath.KeyDelimiter);
                if (!Root.Members!.ContainsKey(segments[0]) &&
                    (!strictTopLevel || IgnoredSections.Contains(segments[0]) || IgnoredPrefixes.Any(p => segments[0].StartsWith(p, StringComparison.OrdinalIgnoreCase))))
                    continue;
                if (Problem(segments) is not { } problem || !reported.Add(problem.Path)) continue;
                problems.Add(problem.Message + Where(provider, problem.Path));
            }
        }
        return problems;
    }

    /// <summary>The first segment of <paramref name="segments"/> that is no setting, with the closest known name.</summary>
    private static (string Path, string Message)? Problem(string[] segments)
    {
        var shape = Root;
        for (var i = 0; i < segments.Length; i++)
        {
            var path = string.Join(ConfigurationPath.KeyDelimiter, segments.Take(i + 1));
            if (shape.Scalar)
            {
                var parent = string.Join(ConfigurationPath.KeyDelimiter, segments.Take(i));
                return (path, $"{path} is not a setting; {parent} is a single value, not a section");
            }
            if (shape.Items is { } items)
            {
                shape = items;
                continue;
            }
            if (shape.Members!.TryGetValue(segments[i], out var member))
            {
                shape = member;
                continue;
            }
            var known = shape.Members.Keys.Order(StringComparer.Ordinal).ToList();
            return (path, Closest(segments[i], known) is { } closest
                ? $"{path} is not a setting; did you mean {closest}?"
                : $"{path} is not a setting (known here: {string.Join(", ", known)})");
        }
        return null;
    }

    /// <summary>The known name nearest to <paramref name="name"/> (case-insensitive edit distance), if it is near enough to be a typo.</summary>
    public static string? Closest(string name, IEnumerable<string> known)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            var distance = Distance(name.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance < bestDistance) (best, bestDistance) = (candidate, distance);
        }
        if (best is null) return null;
        var prefix = best.StartsWith(name, StringComparison.OrdinalIgnoreCase) || name.StartsWith(best, StringComparison.OrdinalIgnoreCase);
        return prefix || bestDistance <= Math.Max(2, name.Length / 3) ? best : null;
    }

    // Optimal string alignment distance: a transposition (MaxInFligth) counts as one edit.
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }

    private static string Where(IConfigurationProvider provider, string path) => provider switch
    {
        FileConfigurationProvider { Source: var source } =>
            $" (in {source.FileProvider?.GetFileInfo(source.Path ?? "").PhysicalPath ?? source.Path})",
        EnvironmentVariablesConfigurationProvider => $" (environment variable {path.Replace(":", "__")})",
        CommandLineConfigurationProvider => " (command line)",
        _ => "",
    };

    private static IEnumerable<string> KeysOf(IConfigurationProvider provider, string? parent)
    {
        foreach (var child in provider.GetChildKeys([], parent).Distinct(StringComparer.OrdinalIgnoreCase).ToList())
        {
            var path = parent is null ? child : ConfigurationPath.Combine(parent, child);
            yield return path;
            foreach (var key in KeysOf(provider, path)) yield return key;
        }
    }

    /// <summary>What the binder accepts under a key of type <c>T</c>: a value, named members, or any child (dictionary, list).</summary>
    private sealed class Shape
    {
        public bool Scalar { get; init; }
        public Shape? Items { get; set; }
        public Dictionary<string, Shape>? Members { get; set; }
    }

    private static Shape ShapeOf(Type type, Dictionary<Type, Shape> seen)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (seen.TryGetValue(type, out var known)) return known;
        if (type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(object) ||
            TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string)))
            return seen[type] = new Shape { Scalar = true };

        var shape = new Shape();
        seen[type] = shape; // before recursing: a type may contain itself
        var dictionary = type.GetInterfaces().Append(type)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() is var d && (d == typeof(IDictionary<,>) || d == typeof(IReadOnlyDictionary<,>)));
        var enumerable = type.IsArray ? type.GetElementType() : type.GetInterfaces().Append(type)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];
        if (dictionary is not null) shape.Items = ShapeOf(dictionary.GetGenericArguments()[1], seen);
        else if (enumerable is not null && typeof(IEnumerable).IsAssignableFrom(type)) shape.Items = ShapeOf(enumerable, seen);
        else
        {
            // The binder sets public properties with a public setter, and fills get-only ones that hold an object or collection.
            shape.Members = new Dictionary<string, Shape>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.GetMethod is not { IsPublic: true } || property.GetIndexParameters().Length > 0) continue;
                var member = ShapeOf(property.PropertyType, seen);
                if (property.SetMethod is { IsPublic: true } || !member.Scalar) shape.Members[property.Name] = member;
            }
        }
        return shape;
    }
}
