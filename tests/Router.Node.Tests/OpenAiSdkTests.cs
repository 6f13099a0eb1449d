using System.ClientModel;
using System.Globalization;
using System.Net;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using OpenAI.Models;

namespace Router.Node.Tests;

/// <summary>One gateway for the read-only compatibility checks: they only count their own responses.</summary>
public sealed class OpenAiSdkGateway : IAsyncLifetime
{
    public const int CompletionTokens = 6;
    public TestGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Gateway = await TestGateway.StartAsync(s => s
            .Sim("sim-a", o => { o.CompletionTokens = CompletionTokens; o.TokensPerSecond = 1000; })
            .Sim("sim-b", o => { o.CompletionTokens = CompletionTokens; o.TokensPerSecond = 1000; })
            .Group("chat")
            .Endpoint("chat", "chat-a", "sim-a")
            .Endpoint("chat", "chat-b", "sim-b")
            .Group("embed")
            .Endpoint("embed", "embed-a", "sim-a")
            .Group("alias")
            .Endpoint("alias", "alias-a", "sim-a")
            .Set("ModelGroups:alias:Endpoints:alias-a:UpstreamModel", "provider-model-v2"));

    public Task DisposeAsync() => Gateway.DisposeAsync().AsTask();
}

/// <summary>The official OpenAI .NET SDK works against the gateway unchanged: only the endpoint differs.</summary>
public sealed class OpenAiSdkTests(OpenAiSdkGateway fixture) : IClassFixture<OpenAiSdkGateway>
{
    private readonly TestGateway _gateway = fixture.Gateway;

    private OpenAIClientOptions Options => new() { Endpoint = _gateway.ApiBase, NetworkTimeout = TimeSpan.FromSeconds(20) };

    [Fact]
    public async Task Chat_completion_returns_the_upstream_content_and_usage()
    {
        var client = new ChatClient("chat", new ApiKeyCredential("any"), Options);

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("Hello, how are you today?")]);

        completion.Content.Should().ContainSingle();
        completion.Content[0].Text.Should().Be(string.Join(' ', Enumerable.Repeat("tok", OpenAiSdkGateway.CompletionTokens)));
        completion.FinishReason.Should().Be(ChatFinishReason.Stop);
        completion.Usage.OutputTokenCount.Should().Be(OpenAiSdkGateway.CompletionTokens);
        completion.Usage.InputTokenCount.Should().BePositive();
        completion.Usage.TotalTokenCount.Should().Be(completion.Usage.InputTokenCount + completion.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task Streaming_chat_yields_each_token_as_its_own_update()
    {
        var client = new ChatClient("chat", new ApiKeyCredential("any"), Options);

        var contentUpdates = new List<string>();
        ChatFinishReason? finish = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Stream please")]))
        {
            if (update.ContentUpdate.Count > 0) contentUpdates.Add(string.Concat(update.ContentUpdate.Select(p => p.Text)));
            finish ??= update.FinishReason;
        }

        // One SSE event per token arrives as one update: the gateway forwards the stream, it does not buffer it.
        contentUpdates.Where(t => t.Length > 0).Should().HaveCount(OpenAiSdkGateway.CompletionTokens);
        string.Concat(contentUpdates).Should().Be(string.Join(' ', Enumerable.Repeat("tok", OpenAiSdkGateway.CompletionTokens)));
        finish.Should().Be(ChatFinishReason.Stop);
    }

    [Fact]
    public async Task Embeddings_are_served_through_v1_embeddings()
    {
        var client = new EmbeddingClient("embed", new ApiKeyCredential("any"), Options);

        OpenAIEmbeddingCollection embeddings = await client.GenerateEmbeddingsAsync(["first text", "second text"]);

        embeddings.Should().HaveCount(2);
        embeddings[0].ToFloats().Length.Should().BePositive();
        embeddings[0].ToFloats().ToArray().Should().NotEqual(embeddings[1].ToFloats().ToArray());
        embeddings.Usage.InputTokenCount.Should().BePositive();
    }

    [Fact]
    public async Task Model_list_names_exactly_the_configured_groups()
    {
        var client = new OpenAIModelClient(new ApiKeyCredential("any"), Options);

        OpenAIModelCollection models = await client.GetModelsAsync();

        models.Select(m => m.Id).Should().BeEquivalentTo(["alias", "chat", "embed"]);
    }

    [Fact]
    public async Task Endpoint_with_an_upstream_model_name_receives_that_name()
    {
        // The simulator echoes the model it was asked for.
        var client = new ChatClient("alias", new ApiKeyCredential("any"), Options);

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("Which model are you?")]);

        completion.Model.Should().Be("provider-model-v2");
    }

    [Fact]
    public async Task Legacy_completions_endpoint_is_forwarded()
    {
        using var response = await _gateway.PostAsync("/v1/completions", """{"model":"chat","prompt":"Say something"}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var json = await response.JsonAsync();
        json.GetProperty("object").GetString().Should().Be("text_completion");
        json.GetProperty("choices")[0].GetProperty("text").GetString().Should().StartWith("tok");
    }

    [Fact]
    public async Task Responses_say_which_endpoint_served_them_how_many_attempts_and_the_gateway_overhead()
    {
        using var response = await _gateway.ChatAsync("chat");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Endpoint().Should().BeOneOf("chat-a", "chat-b");
        response.Attempts().Should().Be("1");
        double.TryParse(response.Header("x-router-overhead-ms"), NumberStyles.Float, CultureInfo.InvariantCulture, out var overheadMs)
            .Should().BeTrue("x-router-overhead-ms was '{0}'", response.Header("x-router-overhead-ms"));
        overheadMs.Should().BeInRange(0, 5000);
        response.Header("x-router-overhead-ms").Should().MatchRegex(@"^\d+(\.\d{1,3})?$", "milliseconds to at most three decimals, never an exponent");
        // The endpoint header names the simulator that actually answered.
        response.SimName().Should().Be(response.Endpoint() == "chat-a" ? "sim-a" : "sim-b");
    }
}
