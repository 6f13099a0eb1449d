using Router.Messages.Routing;

namespace Router.Node.Gateway;

/// <summary>What one client request has tried so far across endpoints and groups. <see cref="Body"/> is what upstreams get.</summary>
internal sealed class RoutingAttempts(OpenAiRequest request, HttpContext context, ReadOnlyMemory<byte> body)
{
    private readonly string? _sessionKey = FirstOf(context.Request.Headers["x-session-id"]) ?? request.User;
    private readonly string[] _tags = context.Request.Headers["x-router-tags"].ToString()
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public OpenAiRequest Request { get; } = request;
    public ReadOnlyMemory<byte> Body { get; } = body;
    public int UpstreamAttempts { get; set; }
    public TimeSpan CapacityWaited { get; set; }
    public int SilentRetries { get; set; }
    public UpstreamFailure? LastFailure { get; set; }
    /// <summary>Refusals so far; created by the first (most requests are never refused).</summary>
    public List<NoEndpointAvailable> Refusals => _refusals ??= [];
    private List<NoEndpointAvailable>? _refusals;
    public RequestFormat Format { get; init; }

    /// <summary>The gateway added stream_options.include_usage: the usage chunk is not the client's.</summary>
    public bool HideUsageChunk { get; init; }

    /// <summary>Upstream 5xx answers (other than 503) this request got, from different endpoints.</summary>
    public int UpstreamServerErrors { get; set; }

    /// <summary>A second endpoint failed this request with 5xx while it serves others: the request is the cause, stop trying.</summary>
    public bool RequestAtFault { get; set; }

    /// <param name="holder">The node's holder id (<c>RouterClient.Holder</c>): set here, so the client need not copy the request.</param>
    public RouteRequest RouteRequest(string group, IReadOnlyList<string>? excluded, string holder) => new(
        group, context.TraceIdentifier, _sessionKey, Request.EstimatedPromptTokens,
        _tags.Length > 0 ? _tags : null, excluded is { Count: > 0 } ? excluded.ToArray() : null, Request.Stream, Holder: holder);

    /// <summary>The first value of a header, without LINQ's boxed enumerator over StringValues.</summary>
    private static string? FirstOf(Microsoft.Extensions.Primitives.StringValues values) => values.Count > 0 ? values[0] : null;
}
