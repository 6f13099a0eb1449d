using System.Diagnostics;

namespace Router.Testing;

/// <summary>
/// The one way tests wait for something that happens asynchronously (a cluster converging, a lease released, a log line
/// written): poll with a deadline, and on timeout fail with what was awaited and the last value seen, so a failure says
/// how far things got. There is no fixed sleep anywhere; a test that waits names its condition.
/// </summary>
public static class Eventually
{
    /// <summary>How long a wait lasts unless the caller says otherwise: long enough for a loaded 2-core machine.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How often the condition is checked unless the caller says otherwise.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(25);

    /// <summary>
    /// The exceptions a probe over HTTP throws while the other side is not up yet (connection refused) or slow to answer
    /// under load (HttpClient's own timeout): they mean "not yet", not "failed".
    /// </summary>
    public static bool TransientHttp(Exception e) => e is HttpRequestException or TaskCanceledException;

    /// <summary>Waits until <paramref name="condition"/> holds.</summary>
    public static Task Until(Func<bool> condition, string what, TimeSpan? timeout = null, TimeSpan? interval = null) =>
        Until(() => Task.FromResult(condition()), what, timeout, interval);

    /// <summary>Waits until <paramref name="condition"/> holds; exceptions <paramref name="retryOn"/> accepts count as "not yet".</summary>
    public static Task Until(Func<Task<bool>> condition, string what, TimeSpan? timeout = null, TimeSpan? interval = null,
        Func<Exception, bool>? retryOn = null) =>
        Until(condition, held => held, what, timeout, interval, retryOn);

    /// <summary>Observes a value until <paramref name="accept"/> holds for it, and returns that value.</summary>
    public static Task<T> Until<T>(Func<T> observe, Func<T, bool> accept, string what, TimeSpan? timeout = null,
        TimeSpan? interval = null, Func<Exception, bool>? retryOn = null, Func<T, string>? describe = null) =>
        Until(() => Task.FromResult(observe()), accept, what, timeout, interval, retryOn, describe);

    /// <summary>
    /// Observes a value until <paramref name="accept"/> holds for it, and returns that value. On timeout throws a
    /// <see cref="TimeoutException"/> naming <paramref name="what"/> and the last value observed (or the last exception,
    /// when <paramref name="retryOn"/> let one count as "not yet"). Exceptions <paramref name="retryOn"/> does not accept
    /// fail the wait at once: they are the failure, not a reason to keep waiting. <paramref name="describe"/> says how the
    /// last value reads in that message when its ToString would not say enough.
    /// </summary>
    public static async Task<T> Until<T>(Func<Task<T>> observe, Func<T, bool> accept, string what, TimeSpan? timeout = null,
        TimeSpan? interval = null, Func<Exception, bool>? retryOn = null, Func<T, string>? describe = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var pause = interval ?? DefaultInterval;
        var clock = Stopwatch.StartNew();
        var observed = "nothing (no check finished)";
        while (true)
        {
            try
            {
                var value = await observe();
                if (accept(value)) return value;
                observed = describe is null ? Describe(value) : describe(value);
            }
            catch (Exception e) when (retryOn?.Invoke(e) == true)
            {
                observed = $"{e.GetType().Name}: {e.Message}";
            }
            if (clock.Elapsed > limit)
                throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.###} s waiting until {what}. Last observed: {observed}");
            await Task.Delay(pause);
        }
    }

    private static string Describe<T>(T value) => value switch
    {
        null => "null",
        bool held => held ? "true" : "false (the condition did not hold)",
        string text => $"\"{text}\"",
        System.Collections.IEnumerable items and not System.Collections.IDictionary =>
            "[" + string.Join(", ", items.Cast<object?>().Select(i => i?.ToString() ?? "null")) + "]",
        _ => value.ToString() ?? "",
    };
}
