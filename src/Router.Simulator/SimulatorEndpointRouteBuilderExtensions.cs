using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Router.Simulator;

/// <summary>Maps the simulator's endpoints; shared by <see cref="SimulatedEndpoint"/> and the executable.</summary>
public static class SimulatorEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the OpenAI-compatible API (GET /v1/models, GET /v1/models/{id}, POST /v1/chat/completions,
    /// POST /v1/completions, POST /v1/embeddings, POST /v1/responses, POST /v1/moderations, POST /v1/images/generations,
    /// POST /v1/audio/speech, POST /v1/audio/transcriptions, POST /v1/audio/translations) and the control endpoints (GET /_sim/stats, POST /_sim/stats/reset,
    /// GET|POST /_sim/config). When <paramref name="state"/> is null, a <see cref="SimulatorState"/> registered in DI is
    /// used, else one is bound from the configuration section "Simulator". Returns the state the endpoints use.
    /// </summary>
    public static SimulatorState MapSimulator(this IEndpointRouteBuilder endpoints, SimulatorState? state = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        state ??= services.GetService<SimulatorState>() ?? new SimulatorState(BindOptions(services.GetService<IConfiguration>()));
        var handlers = new SimulatorHandlers(state, services.GetService<IHostApplicationLifetime>());

        endpoints.MapGet("/v1/models", (RequestDelegate)handlers.ListModelsAsync);
        endpoints.MapGet("/v1/models/{id}", (RequestDelegate)handlers.GetModelAsync);
        endpoints.MapPost("/v1/chat/completions", (RequestDelegate)handlers.ChatCompletionsAsync);
        endpoints.MapPost("/v1/completions", (RequestDelegate)handlers.CompletionsAsync);
        endpoints.MapPost("/v1/embeddings", (RequestDelegate)handlers.EmbeddingsAsync);
        endpoints.MapPost("/v1/responses", (RequestDelegate)handlers.ResponsesAsync);
        endpoints.MapPost("/v1/moderations", (RequestDelegate)handlers.ModerationsAsync);
        endpoints.MapPost("/v1/images/generations", (RequestDelegate)handlers.ImageGenerationsAsync);
        endpoints.MapPost("/v1/audio/speech", (RequestDelegate)handlers.SpeechAsync);
        endpoints.MapPost("/v1/audio/transcriptions", (RequestDelegate)handlers.TranscriptionsAsync);
        endpoints.MapPost("/v1/audio/translations", (RequestDelegate)handlers.TranslationsAsync);

        endpoints.MapGet("/_sim/stats", (RequestDelegate)handlers.GetStatsAsync);
        endpoints.MapPost("/_sim/stats/reset", (RequestDelegate)handlers.ResetStatsAsync);
        endpoints.MapGet("/_sim/config", (RequestDelegate)handlers.GetConfigAsync);
        endpoints.MapPost("/_sim/config", (RequestDelegate)handlers.PostConfigAsync);
        return state;
    }

    /// <summary>Binds <see cref="SimulatorOptions"/> from the "Simulator" section (defaults when absent).</summary>
    public static SimulatorOptions BindOptions(IConfiguration? configuration)
    {
        var options = new SimulatorOptions();
        configuration?.GetSection(SimulatorOptions.SectionName).Bind(options);
        return options;
    }
}
