using Router.Messages.Routing;

namespace Router.Node.Gateway;

/// <summary>What one client request has tried so far across endpoints and groups. <see cref="Body"/> is what upstreams get.</summary>
internal sealed class RoutingAttempts(OpenAiRequest request, HttpContext context, ReadOnlyMemory<byte> body)
{
    private readonly string? _sessionKey = context.Request.Headers["x-session-id"].FirstOrDefault() ?? request.User;
    private readonly string[] _tags = context.Request.Headers["x-router-tags"].ToString()
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public OpenAiRequest Request { get; } = request;
    public ReadOnlyMemory<byte> Body { get; } = body;
    public int UpstreamAttempts { get; set; }
    public TimeSpan CapacityWaited { get; set; }
    public int SilentRetries { get; set; }
    public UpstreamFailure? LastFailure { get; set; }
    public List<NoEndpointAvailable> Refusals { get; } = [];
    public RequestFormat Format { get; init; }

    /// <summary>The gateway added stream_options.include_usage: the usage chunk is not the client's.</summary>
    public bool HideUsageChunk { get; init; }

    /// <summary>Upstream 5xx answers (other than 503) this request got, from different endpoints.</summary>
    public int UpstreamServerErrors { get; set; }

    /// <summary>A second endpoint failed this request with 5xx while it serves others: the request is the cause, stop trying.</summary>
    public bool RequestAtFault { get; set; }

    public RouteRequest RouteRequest(string group, IReadOnlyList<string> excluded) => new(
        group, context.TraceIdentifier, _sessionKey, Request.EstimatedPromptTokens,
        _tags.Length > 0 ? _tags : null, excluded.Count > 0 ? excluded.ToArray() : null, Request.Stream);
}
