namespace Router.Simulator;

/// <summary>
/// Behaviour of a simulated OpenAI-compatible backend. Bindable from the configuration section
/// <see cref="SectionName"/> ("Simulator"). All members are word-sized, so a live instance may be mutated while
/// requests run; each request works on a <see cref="Clone"/> taken when it starts.
/// </summary>
public sealed class SimulatorOptions
{
    /// <summary>Configuration section the executable binds.</summary>
    public const string SectionName = "Simulator";

    /// <summary>Model id listed by /v1/models and sent in the <c>x-sim-name</c> response header.</summary>
    public string Name { get; set; } = "sim";

    /// <summary>Total time of a non-streaming response (chat, completions, embeddings), in ms.</summary>
    public int LatencyMs { get; set; } = 20;

    /// <summary>Streaming: time from the request to the first chunk, in ms.</summary>
    public int TimeToFirstTokenMs { get; set; } = 10;

    /// <summary>Streaming pace; 0 means no delay between chunks.</summary>
    public double TokensPerSecond { get; set; } = 200;

    /// <summary>Tokens ("tok" words) generated per completion, before max_tokens.</summary>
    public int CompletionTokens { get; set; } = 16;

    /// <summary>
    /// When set, an API request whose raw body contains this text fails with <see cref="ErrorStatus"/> (a "poison"
    /// request: the request, not the endpoint, causes the failure). Counted as an injected error.
    /// </summary>
    public string? FailWhenBodyContains { get; set; }

    /// <summary>Keep the last requests that pass the key and error-rate checks (method, path, content type, headers, body) in <see cref="SimulatorState.Recorded"/>, for tests.</summary>
    public bool RecordRequests { get; set; }

    /// <summary>Probability (0..1) that an API request fails with <see cref="ErrorStatus"/>; 1 = every request.</summary>
    public double ErrorRate { get; set; }

    /// <summary>HTTP status of injected errors (e.g. 429, 500, 503).</summary>
    public int ErrorStatus { get; set; } = 500;

    /// <summary>Sent as Retry-After (seconds) with injected 429 and 503 errors when set.</summary>
    public int? RetryAfterSeconds { get; set; }

    /// <summary>When set, API requests need <c>Authorization: Bearer &lt;key&gt;</c> or get 401.</summary>
    public string? RequiredApiKey { get; set; }

    /// <summary>
    /// Emulates a provider's request limit: this many API requests per <see cref="RateLimitWindowMs"/> window, announced
    /// on every response with OpenAI's headers (<c>x-ratelimit-limit-requests</c>, <c>x-ratelimit-remaining-requests</c>,
    /// <c>x-ratelimit-reset-requests</c>); a request beyond it gets 429 with Retry-After. Null = no limit, no headers.
    /// </summary>
    public int? RateLimitRequests { get; set; }

    /// <summary>Length of the window of <see cref="RateLimitRequests"/>, from the first request in it.</summary>
    public int RateLimitWindowMs { get; set; } = 60_000;

    /// <summary>A detached copy.</summary>
    public SimulatorOptions Clone() => (SimulatorOptions)MemberwiseClone();

    /// <summary>Throws <see cref="ArgumentException"/> when a value is out of range.</summary>
    public void Validate()
    {
        List<string> problems = [];
        if (string.IsNullOrWhiteSpace(Name)) problems.Add("Name must not be empty");
        if (LatencyMs < 0) problems.Add("LatencyMs must be >= 0");
        if (TimeToFirstTokenMs < 0) problems.Add("TimeToFirstTokenMs must be >= 0");
        if (!(TokensPerSecond >= 0) || double.IsInfinity(TokensPerSecond)) problems.Add("TokensPerSecond must be a finite number >= 0");
        if (CompletionTokens < 0) problems.Add("CompletionTokens must be >= 0");
        if (!(ErrorRate is >= 0 and <= 1)) problems.Add("ErrorRate must be between 0 and 1");
        if (ErrorStatus is < 400 or > 599) problems.Add("ErrorStatus must be between 400 and 599");
        if (RetryAfterSeconds < 0) problems.Add("RetryAfterSeconds must be >= 0");
        if (RateLimitRequests < 0) problems.Add("RateLimitRequests must be >= 0");
        if (RateLimitWindowMs <= 0) problems.Add("RateLimitWindowMs must be > 0");
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));
    }

    internal void CopyFrom(SimulatorOptions other)
    {
        Name = other.Name;
        LatencyMs = other.LatencyMs;
        TimeToFirstTokenMs = other.TimeToFirstTokenMs;
        TokensPerSecond = other.TokensPerSecond;
        CompletionTokens = other.CompletionTokens;
        FailWhenBodyContains = other.FailWhenBodyContains;
        RecordRequests = other.RecordRequests;
        ErrorRate = other.ErrorRate;
        ErrorStatus = other.ErrorStatus;
        RetryAfterSeconds = other.RetryAfterSeconds;
        RequiredApiKey = other.RequiredApiKey;
        RateLimitRequests = other.RateLimitRequests;
        RateLimitWindowMs = other.RateLimitWindowMs;
    }
}
