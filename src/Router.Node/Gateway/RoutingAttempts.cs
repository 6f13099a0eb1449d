using Router.Messages.Routing;

namespace Router.Node.Gateway;

/// <summary>What one client request has tried so far across endpoints and groups.</summary>
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

    public RouteRequest RouteRequest(string group, IReadOnlyList<string> excluded) => new(
        group, context.TraceIdentifier, _sessionKey, Request.EstimatedPromptTokens,
        _tags.Length > 0 ? _tags : null, excluded.Count > 0 ? excluded.ToArray() : null, Request.Stream);
}
