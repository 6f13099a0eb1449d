using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Serialization;

namespace Router.Actors.Registry;

/// <summary>
/// Compares two versions of a definition record property by property (lists and maps by content, a missing list
/// equal to an empty one), and names what differs the way configuration does ("MaxInFlight 2").
/// </summary>
internal static class Definitions
{
    public readonly record struct Difference(string Name, string Left, string Right);

    public static IReadOnlyList<Difference> Differences<T>(T left, T right, params string[] ignore) where T : class
    {
        var differences = new List<Difference>();
        foreach (var property in Properties<T>.All)
        {
            if (ignore.Contains(property.Name)) continue;
            var l = Format(property.GetValue(left), property.PropertyType);
            var r = Format(property.GetValue(right), property.PropertyType);
            if (!string.Equals(l, r, StringComparison.Ordinal)) differences.Add(new Difference(property.Name, l, r));
        }
        return differences;
    }

    public static string Describe(IEnumerable<Difference> differences, Func<Difference, string> value) =>
        string.Join(", ", differences.Select(d => $"{d.Name} {value(d)}"));

    private static string Format(object? value, Type type)
    {
        var isMap = typeof(IEnumerable<KeyValuePair<string, string>>).IsAssignableFrom(type);
        var isList = !isMap && type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type);
        return value switch
        {
            null when isMap => "{}",
            null when isList => "[]",
            null => "none",
            string s => s,
            IEnumerable<KeyValuePair<string, string>> map => "{" + string.Join(", ", map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")) + "}",
            IEnumerable list => "[" + string.Join(", ", list.Cast<object?>().Select(o => Format(o, typeof(object)))) + "]",
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
    }

    private static class Properties<T>
    {
        public static readonly PropertyInfo[] All = typeof(T)
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0 && p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
            .ToArray();
    }
}
