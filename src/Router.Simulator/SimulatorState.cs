namespace Router.Simulator;

/// <summary>
/// The live state shared by the simulator's handlers: its options (changes apply to the next requests) and its stats.
/// </summary>
public sealed class SimulatorState
{
    private readonly Lock _gate = new();

    /// <summary>Uses <paramref name="options"/> itself as the live instance (validated first).</summary>
    public SimulatorState(SimulatorOptions? options = null)
    {
        Options = options ?? new SimulatorOptions();
        Options.Validate();
    }

    /// <summary>
    /// The live options. Setting a property directly applies to the next requests; prefer <see cref="Reconfigure"/>
    /// to change several values atomically and validated.
    /// </summary>
    public SimulatorOptions Options { get; }

    /// <summary>Request counters.</summary>
    public SimulatorStats Stats { get; } = new();

    /// <summary>The last requests received while <see cref="SimulatorOptions.RecordRequests"/> is on, oldest first.</summary>
    public IReadOnlyList<SimulatorRequest> Recorded
    {
        get { lock (_recorded) return _recorded.ToArray(); }
    }

    private readonly Queue<SimulatorRequest> _recorded = new();
    private const int RecordLimit = 256;

    internal void Record(SimulatorRequest request)
    {
        lock (_recorded)
        {
            if (_recorded.Count >= RecordLimit) _recorded.Dequeue();
            _recorded.Enqueue(request);
        }
    }

    /// <summary>Unix time (seconds) reported as the model's "created".</summary>
    public long CreatedUnixSeconds { get; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private long _windowStart;
    private int _windowUsed;

    /// <summary>
    /// Takes one request from the <see cref="SimulatorOptions.RateLimitRequests"/> window: whether it is allowed, what
    /// remains after it, and how long until the window resets.
    /// </summary>
    public (bool Allowed, int Remaining, TimeSpan Reset) TakeRateLimitedRequest(int limit, int windowMs)
    {
        lock (_gate)
        {
            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            if (_windowUsed == 0 || System.Diagnostics.Stopwatch.GetElapsedTime(_windowStart, now).TotalMilliseconds >= windowMs)
            {
                _windowStart = now;
                _windowUsed = 0;
            }
            var reset = TimeSpan.FromMilliseconds(windowMs) - System.Diagnostics.Stopwatch.GetElapsedTime(_windowStart, now);
            if (_windowUsed >= limit) return (false, 0, reset);
            _windowUsed++;
            return (true, limit - _windowUsed, reset);
        }
    }

    /// <summary>A copy of the options as they are now.</summary>
    public SimulatorOptions Snapshot()
    {
        lock (_gate) return Options.Clone();
    }

    /// <summary>
    /// Applies <paramref name="change"/> to a copy, validates it and then publishes it as a whole; on an invalid result
    /// nothing changes and <see cref="ArgumentException"/> is thrown. Returns the new options (a copy).
    /// </summary>
    public SimulatorOptions Reconfigure(Action<SimulatorOptions> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_gate)
        {
            var next = Options.Clone();
            change(next);
            next.Validate();
            Options.CopyFrom(next);
            return next.Clone();
        }
    }
}

/// <summary>One API request as the simulator received it (recorded when <see cref="SimulatorOptions.RecordRequests"/> is on).</summary>
public sealed record SimulatorRequest(string Method, string Path, string? ContentType, byte[] Body, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>The body as UTF-8 text.</summary>
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);
}
