using System.ClientModel;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OpenAI;

namespace Router.Simulator.Tests;

internal static class TestHelpers
{
    /// <summary>One client for all tests (SocketsHttpHandler: no per-server connection limit).</summary>
    public static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(20) };

    public const string ChatBody = """{"model":"test-model","messages":[{"role":"user","content":"Hello there, simulator!"}]}""";

    public static OpenAIClientOptions ClientOptions(SimulatedEndpoint sim) => new()
    {
        Endpoint = new Uri(sim.ApiBaseUrl),
        NetworkTimeout = TimeSpan.FromSeconds(20),
    };

    public static ApiKeyCredential Key(string key = "test-key") => new(key);

    public static Task<HttpResponseMessage> PostJsonAsync(SimulatedEndpoint sim, string path, string json, string? apiKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, sim.BaseUrl + path)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (apiKey is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return Http.SendAsync(request);
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.Clone();
    }

    /// <summary>Asserts the OpenAI error envelope {"error":{"message","type","code",...}}.</summary>
    public static async Task<JsonElement> ReadOpenAiErrorAsync(HttpResponseMessage response)
    {
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/json");
        var json = await ReadJsonAsync(response);
        var error = json.GetProperty("error");
        error.GetProperty("message").GetString().Should().NotBeNullOrWhiteSpace();
        error.TryGetProperty("type", out _).Should().BeTrue();
        error.TryGetProperty("code", out _).Should().BeTrue();
        return error;
    }

    public static string SimName(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-sim-name", out var values) ? string.Join(",", values) : "";
}
