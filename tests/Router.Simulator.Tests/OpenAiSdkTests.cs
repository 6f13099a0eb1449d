using System.ClientModel;
using OpenAI.Chat;
using OpenAI.Embeddings;
using OpenAI.Models;
using static Router.Simulator.Tests.TestHelpers;

namespace Router.Simulator.Tests;

/// <summary>The official OpenAI .NET SDK as the client.</summary>
public sealed class OpenAiSdkTests
{
    [Fact]
    public async Task Chat_completion_returns_content_usage_and_echoes_the_model()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions { Name = "alpha", CompletionTokens = 4, LatencyMs = 5 });
        var client = new ChatClient("my-model", Key(), ClientOptions(sim));

        ClientResult<ChatCompletion> result = await client.CompleteChatAsync(new UserChatMessage("Hello there, how are you today?"));
        var completion = result.Value;

        completion.Content.Should().ContainSingle().Which.Text.Should().Be("tok tok tok tok");
        completion.Role.Should().Be(ChatMessageRole.Assistant);
        completion.FinishReason.Should().Be(ChatFinishReason.Stop);
        completion.Model.Should().Be("my-model");
        completion.Id.Should().StartWith("chatcmpl-");
        completion.Usage.OutputTokenCount.Should().Be(4);
        completion.Usage.InputTokenCount.Should().Be("Hello there, how are you today?".Length / 4);
        completion.Usage.TotalTokenCount.Should().Be(completion.Usage.InputTokenCount + 4);
        result.GetRawResponse().Headers.TryGetValue("x-sim-name", out var name).Should().BeTrue();
        name.Should().Be("alpha");
    }

    [Fact]
    public async Task Max_tokens_smaller_than_CompletionTokens_truncates_with_finish_reason_length()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions { CompletionTokens = 10, LatencyMs = 0 });
        var client = new ChatClient("m", Key(), ClientOptions(sim));

        ChatCompletion completion = await client.CompleteChatAsync(
            [new UserChatMessage("hi")], new ChatCompletionOptions { MaxOutputTokenCount = 3 });

        completion.Content[0].Text.Should().Be("tok tok tok");
        completion.Usage.OutputTokenCount.Should().Be(3);
        completion.Usage.InputTokenCount.Should().Be(1, "at least one prompt token is reported");
        completion.FinishReason.Should().Be(ChatFinishReason.Length);
    }

    [Fact]
    public async Task Streaming_chat_yields_one_update_per_token_then_finish_and_usage()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions
        {
            CompletionTokens = 6, TimeToFirstTokenMs = 0, TokensPerSecond = 0,
        });
        var client = new ChatClient("stream-model", Key(), ClientOptions(sim));

        var updates = new List<StreamingChatCompletionUpdate>();
        await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("Stream to me, please")))
            updates.Add(update);

        var texts = updates.SelectMany(u => u.ContentUpdate).Select(p => p.Text).Where(t => t.Length > 0).ToList();
        texts.Should().HaveCount(6);
        string.Concat(texts).Should().Be("tok tok tok tok tok tok");
        updates.Should().OnlyContain(u => u.Model == "stream-model");
        updates.Select(u => u.CompletionId).Distinct().Should().ContainSingle().Which.Should().StartWith("chatcmpl-");
        updates.Should().Contain(u => u.Role == ChatMessageRole.Assistant);
        updates.Where(u => u.FinishReason != null).Should().ContainSingle().Which.FinishReason.Should().Be(ChatFinishReason.Stop);

        // The SDK asks for stream_options.include_usage itself; the usage chunk comes last.
        var usage = updates.Last().Usage;
        usage.Should().NotBeNull();
        usage!.OutputTokenCount.Should().Be(6);
        usage.TotalTokenCount.Should().Be(usage.InputTokenCount + 6);
    }

    [Fact]
    public async Task Embeddings_are_deterministic_unit_vectors_of_eight_floats()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions { LatencyMs = 0 });
        var client = new EmbeddingClient("embed-model", Key(), ClientOptions(sim));

        OpenAIEmbeddingCollection first = await client.GenerateEmbeddingsAsync(["alpha", "beta", "alpha"]);
        OpenAIEmbedding single = await client.GenerateEmbeddingAsync("beta");

        first.Should().HaveCount(3);
        first.Select(e => e.Index).Should().Equal(0, 1, 2);
        first.Model.Should().Be("embed-model");
        first.Usage.InputTokenCount.Should().Be(3);
        var vectors = first.Select(e => e.ToFloats().ToArray()).ToList();
        vectors.Should().OnlyContain(v => v.Length == 8);
        vectors.Should().OnlyContain(v => Math.Abs(Math.Sqrt(v.Sum(x => (double)x * x)) - 1) < 1e-4);
        vectors[0].Should().Equal(vectors[2]);
        vectors[0].Should().NotEqual(vectors[1]);
        single.ToFloats().ToArray().Should().Equal(vectors[1]);
    }

    [Fact]
    public async Task Embeddings_honour_dimensions()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions { LatencyMs = 0 });
        var client = new EmbeddingClient("embed-model", Key(), ClientOptions(sim));

        OpenAIEmbedding embedding = await client.GenerateEmbeddingAsync("text", new EmbeddingGenerationOptions { Dimensions = 3 });

        embedding.ToFloats().Length.Should().Be(3);
    }

    [Fact]
    public async Task Model_client_lists_the_simulator_name()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions { Name = "listed" });
        var client = new OpenAIModelClient(Key(), ClientOptions(sim));

        OpenAIModelCollection models = await client.GetModelsAsync();

        models.Should().ContainSingle().Which.Id.Should().Be("listed");
        models[0].OwnedBy.Should().Be("simulator");
    }

    [Fact]
    public async Task Sdk_works_with_the_required_api_key_and_fails_with_a_wrong_one()
    {
        await using var sim = await SimulatedEndpoint.StartAsync(new SimulatorOptions { RequiredApiKey = "s3cret", LatencyMs = 0 });

        ChatCompletion ok = await new ChatClient("m", Key("s3cret"), ClientOptions(sim)).CompleteChatAsync(new UserChatMessage("hi"));
        ok.Content[0].Text.Should().StartWith("tok");

        var wrong = async () => await new ChatClient("m", Key("nope"), ClientOptions(sim)).CompleteChatAsync(new UserChatMessage("hi"));
        (await wrong.Should().ThrowAsync<ClientResultException>()).Which.Status.Should().Be(401);
    }
}
