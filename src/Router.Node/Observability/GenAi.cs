using Router.Messages.Endpoints;

namespace Router.Node.Observability;

/// <summary>
/// The OpenTelemetry GenAI semantic conventions' names and values the gateway uses, and the bounded values it derives
/// from a route or an endpoint (never from what a client sends, so label sets stay bounded).
/// </summary>
internal static class GenAi
{
    public const string OperationName = "gen_ai.operation.name";
    public const string RequestModel = "gen_ai.request.model";
    public const string ProviderName = "gen_ai.provider.name";
    public const string TokenType = "gen_ai.token.type";
    public const string UsageInputTokens = "gen_ai.usage.input_tokens";
    public const string UsageOutputTokens = "gen_ai.usage.output_tokens";
    public const string ServerAddress = "server.address";
    public const string ServerPort = "server.port";
    public const string ErrorType = "error.type";

    /// <summary>What the gateway is to its clients: an OpenAI-compatible server, whichever provider serves behind it.</summary>
    public const string GatewayProvider = "openai";

    private static readonly string[] StatusCodes = CreateStatusCodes();

    /// <summary>An HTTP status as error.type ("429") without a string per request.</summary>
    public static string StatusText(int status) => status is >= 100 and < 600 ? StatusCodes[status] : "_OTHER";

    /// <summary>The convention's operation for a routed path (the path appended to the endpoint's url).</summary>
    public static string OperationOf(string upstreamPath) => upstreamPath switch
    {
        "/chat/completions" => "chat",
        "/completions" => "text_completion",
        "/embeddings" => "embeddings",
        "/responses" => "generate_content",
        "/moderations" => "moderation",
        "/images/generations" => "image_generation",
        "/audio/speech" => "speech",
        "/audio/transcriptions" => "transcription",
        "/audio/translations" => "translation",
        _ => "other",
    };

    /// <summary>
    /// The provider an endpoint stands for: Azure OpenAI when its url or its key header says so, otherwise the
    /// OpenAI API it speaks (OpenAI itself, vLLM, Ollama and the rest).
    /// </summary>
    public static string ProviderOf(EndpointDefinition? endpoint) =>
        endpoint is not null && (string.Equals(endpoint.Auth, UpstreamAuth.ApiKey, StringComparison.OrdinalIgnoreCase) ||
                                 endpoint.Url.Contains(".openai.azure.com", StringComparison.OrdinalIgnoreCase))
            ? "azure.ai.openai"
            : "openai";

    private static string[] CreateStatusCodes()
    {
        var codes = new string[600];
        for (var i = 100; i < codes.Length; i++) codes[i] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return codes;
    }
}
