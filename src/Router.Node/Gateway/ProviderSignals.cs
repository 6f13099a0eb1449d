using System.Globalization;
using System.Net.Http.Headers;
using Router.Messages.Routing;

namespace Router.Node.Gateway;

/// <summary>
/// Reads a provider's rate-limit headers (OpenAI and Azure OpenAI send them on every response):
/// <c>x-ratelimit-remaining-requests</c>, <c>x-ratelimit-remaining-tokens</c>, <c>x-ratelimit-reset-requests</c>,
/// <c>x-ratelimit-reset-tokens</c>, <c>x-ratelimit-limit-requests</c>, <c>x-ratelimit-limit-tokens</c>.
/// </summary>
internal static class ProviderSignals
{
    public const string RemainingRequests = "x-ratelimit-remaining-requests";
    public const string RemainingTokens = "x-ratelimit-remaining-tokens";
    public const string ResetRequests = "x-ratelimit-reset-requests";
    public const string ResetTokens = "x-ratelimit-reset-tokens";
    public const string LimitRequests = "x-ratelimit-limit-requests";
    public const string LimitTokens = "x-ratelimit-limit-tokens";

    /// <summary>The figures on <paramref name="headers"/>, or null when the upstream sent none.</summary>
    public static ProviderRateLimits? Read(HttpResponseHeaders headers)
    {
        var remainingRequests = Number(headers, RemainingRequests);
        var remainingTokens = Number(headers, RemainingTokens);
        var limitRequests = Number(headers, LimitRequests);
        var limitTokens = Number(headers, LimitTokens);
        if (remainingRequests is null && remainingTokens is null && limitRequests is null && limitTokens is null) return null;
        return new ProviderRateLimits(
            Clamp(remainingRequests), remainingTokens,
            Duration(headers, ResetRequests), Duration(headers, ResetTokens),
            Clamp(limitRequests), limitTokens);
    }

    /// <summary>
    /// A reset time as OpenAI writes it (Go durations: <c>1s</c>, <c>6m0s</c>, <c>20ms</c>, <c>1h2m3.5s</c>), or a plain
    /// number of seconds (<c>60</c>, <c>0.5</c>) as some servers send.
    /// </summary>
    public static bool TryParseDuration(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var span = text.AsSpan().Trim();
        if (double.TryParse(span, NumberStyles.Float, CultureInfo.InvariantCulture, out var plainSeconds))
        {
            if (!(plainSeconds >= 0) || double.IsInfinity(plainSeconds)) return false;
            duration = TimeSpan.FromSeconds(Math.Min(plainSeconds, TimeSpan.MaxValue.TotalSeconds / 2));
            return true;
        }

        double totalMs = 0;
        while (!span.IsEmpty)
        {
            var numberLength = 0;
            while (numberLength < span.Length && (char.IsAsciiDigit(span[numberLength]) || span[numberLength] == '.')) numberLength++;
            if (numberLength == 0 || !double.TryParse(span[..numberLength], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)) return false;
            span = span[numberLength..];
            var unitLength = 0;
            while (unitLength < span.Length && !char.IsAsciiDigit(span[unitLength]) && span[unitLength] != '.') unitLength++;
            double? unitMs = span[..unitLength] switch
            {
                "h" => 3_600_000,
                "m" => 60_000,
                "s" => 1_000,
                "ms" => 1,
                "us" or "µs" => 0.001,
                "ns" => 0.000_001,
                _ => null,
            };
            if (unitMs is null) return false;
            totalMs += value * unitMs.Value;
            span = span[unitLength..];
        }
        if (double.IsInfinity(totalMs) || totalMs > TimeSpan.MaxValue.TotalMilliseconds / 2) return false;
        duration = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }

    private static long? Number(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) && long.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
            ? n
            : null;

    private static TimeSpan? Duration(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) && TryParseDuration(values.FirstOrDefault(), out var duration) ? duration : null;

    private static int? Clamp(long? value) => value is { } v ? (int)Math.Clamp(v, int.MinValue, int.MaxValue) : null;
}
