using System.Net;

namespace Router.Node.Tests;

/// <summary>
/// A response that is not a stream is written into the client's buffer without a flush and sent as it ends (one send
/// rather than the body and then the end of its chunked encoding): what is more than the gateway holds unflushed still
/// reaches the client whole, and its usage is still read.
/// </summary>
public sealed class ResponseRelayTests
{
    [Fact]
    public async Task A_non_streamed_body_larger_than_what_is_held_unflushed_reaches_the_client_whole()
    {
        const int tokens = 50_000; // "tok " each: about 200 KB, three times what is held before a flush
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("big", o => o.CompletionTokens = tokens)
            .Group("chat")
            .Endpoint("chat", "big-1", "big"));

        using var response = await gateway.ChatAsync("chat");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var json = await response.JsonAsync();
        json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!.Split(' ')
            .Should().HaveCount(tokens).And.OnlyContain(t => t == "tok");
        json.GetProperty("usage").GetProperty("completion_tokens").GetInt32().Should().Be(tokens);
        (await gateway.StateOf("big-1")).TokensLastMinute.Should().BeGreaterThanOrEqualTo(tokens,
            "the usage at the end of the body was read for the endpoint's token count");
    }
}
