using System.Globalization;
using Router.AdminApi;

namespace Router.Cli;

/// <summary>How values look in tables and key: value lines.</summary>
internal static class Format
{
    public const string None = "-";

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Number(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    public static string Optional(long? value) => value is { } v ? Number(v) : None;

    public static string Optional(string? value) => string.IsNullOrEmpty(value) ? None : value;

    /// <summary>"used/limit", with "-" for no limit: <c>12/60</c>, <c>3/-</c>.</summary>
    public static string UsedOf(long used, long? limit) => $"{Number(used)}/{Optional(limit)}";

    /// <summary>Milliseconds without decimals; "-" while the window has no samples.</summary>
    public static string Ms(WindowStatsDto? window, Func<WindowStatsDto, double> pick) =>
        window is null || window.Samples == 0 ? None : pick(window).ToString("0", CultureInfo.InvariantCulture);

    public static string Circuit(CircuitStateDto state) => state switch
    {
        CircuitStateDto.Closed => "closed",
        CircuitStateDto.Open => "open",
        CircuitStateDto.HalfOpen => "half-open",
        _ => state.ToString().ToLowerInvariant(),
    };

    public static string List(IReadOnlyList<string>? items) => items is null || items.Count == 0 ? None : string.Join(",", items);

    public static string YesNo(bool value) => value ? "yes" : "no";

    public static string Time(DateTimeOffset? at) =>
        at is not { } value || value == DateTimeOffset.MinValue ? None : value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string Percent(long part, long whole) =>
        whole == 0 ? None : (100.0 * part / whole).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    public static string Plural(long count, string noun) => $"{Number(count)} {noun}{(count == 1 ? "" : "s")}";

    /// <summary>Prints <c>key: value</c> lines with the values aligned.</summary>
    public static void KeyValues(Output output, IReadOnlyList<(string Key, string Value)> lines) =>
        output.Write(Output.TwoColumns(lines.Select(l => (l.Key + ":", l.Value)), indent: 0));

    /// <summary>Seconds with one decimal: <c>4.2 s</c>.</summary>
    public static string Seconds(double? seconds) =>
        seconds is { } s ? s.ToString("0.#", CultureInfo.InvariantCulture) + " s" : None;

    /// <summary>A path segment for a URL (ids and group names may contain anything).</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);
}
