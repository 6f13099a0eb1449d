using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Router.Node.Tests;

/// <summary>One sample of a Prometheus text exposition: name, labels, value.</summary>
public sealed record PromSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>A parsed GET /metrics answer, with lookups by metric name and a subset of labels.</summary>
public sealed partial class PrometheusScrape(string text, IReadOnlyList<PromSample> samples)
{
    public string Text { get; } = text;
    public IReadOnlyList<PromSample> Samples { get; } = samples;

    /// <summary>Samples of <paramref name="name"/> whose labels include every pair of <paramref name="labels"/> ("key=value").</summary>
    public IEnumerable<PromSample> Find(string name, params string[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l =>
        {
            var at = l.IndexOf('=');
            return s.Labels.TryGetValue(l[..at], out var v) && v == l[(at + 1)..];
        }));

    /// <summary>The sum of the matching samples' values (0 when there is none).</summary>
    public double Sum(string name, params string[] labels) => Find(name, labels).Sum(s => s.Value);

    public static PrometheusScrape Parse(string text)
    {
        var samples = new List<PromSample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var match = SampleLine().Match(line);
            if (!match.Success) throw new FormatException($"Not a Prometheus sample line: {line}");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in LabelPair().Matches(match.Groups["labels"].Value))
                labels[label.Groups["k"].Value] = label.Groups["v"].Value.Replace("\\\"", "\"").Replace("\\\\", "\\");
            var value = match.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            samples.Add(new PromSample(match.Groups["name"].Value, labels, value));
        }
        return new PrometheusScrape(text, samples);
    }

    /// <summary>GET /metrics once; fails the test unless it is 200 text.</summary>
    public static async Task<PrometheusScrape> GetAsync(string adminUrl)
    {
        using var response = await TestGateway.Http.GetAsync(adminUrl + "/metrics");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        response.Content.Headers.ContentType?.MediaType.Should().Be("text/plain");
        return Parse(text);
    }

    /// <summary>
    /// Scrapes until <paramref name="condition"/> holds (a request's metrics are recorded as its handler finishes, and
    /// the exporter caches a scrape briefly), then returns that scrape; throws with the last scrape after the timeout.
    /// </summary>
    public static Task<PrometheusScrape> WhenAsync(string adminUrl, Func<PrometheusScrape, bool> condition, double timeoutSeconds = 10) =>
        Eventually.Until(() => GetAsync(adminUrl), condition, "/metrics reaches the expected state", TimeSpan.FromSeconds(timeoutSeconds),
            TimeSpan.FromMilliseconds(50), describe: scrape => "this scrape:\n" + scrape.Text);

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\S+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""(?<k>[a-zA-Z_][a-zA-Z0-9_]*)="(?<v>(?:[^"\\]|\\.)*)",?""")]
    private static partial Regex LabelPair();
}
