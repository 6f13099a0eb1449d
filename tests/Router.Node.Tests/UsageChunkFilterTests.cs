using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Router.Node.Gateway;

namespace Router.Node.Tests;

/// <summary>The filter that hides the usage chunk the gateway asked for, without holding the stream back.</summary>
public sealed class UsageChunkFilterTests
{
    private const string Chunk1 = "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}],\"usage\":null}\n\n";
    private const string Chunk2 = "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n";
    private const string UsageChunk = "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}\n\n";
    private const string Done = "data: [DONE]\n\n";

    private static (UsageChunkFilter Filter, MemoryStream Client) Create()
    {
        var client = new MemoryStream();
        return (new UsageChunkFilter(client, new DefaultHttpContext().Response), client);
    }

    private static string Text(MemoryStream stream) => Encoding.UTF8.GetString(stream.ToArray());

    [Fact]
    public async Task Complete_events_go_out_in_the_write_that_completes_them_and_the_usage_chunk_never_does()
    {
        var (filter, client) = Create();

        await filter.WriteAsync(Encoding.UTF8.GetBytes(Chunk1));
        Text(client).Should().Be(Chunk1.Replace(",\"usage\":null", ""), "a complete event is not held back");

        await filter.WriteAsync(Encoding.UTF8.GetBytes(Chunk2 + UsageChunk));
        await filter.WriteAsync(Encoding.UTF8.GetBytes(Done));
        await filter.FinishAsync(CancellationToken.None);

        Text(client).Should().Be((Chunk1 + Chunk2).Replace(",\"usage\":null", "") + Done);
        filter.DroppedEvents.Should().Be(1);
    }

    [Fact]
    public async Task Event_split_across_writes_is_held_only_until_its_end_arrives()
    {
        var (filter, client) = Create();
        var all = Encoding.UTF8.GetBytes(Chunk1 + UsageChunk + Done);
        var cut1 = Chunk1.Length + 20; // inside the usage chunk
        var cut2 = Chunk1.Length + UsageChunk.Length - 1; // between its two newlines

        await filter.WriteAsync(all.AsMemory(0, cut1));
        Text(client).Should().Be(Chunk1.Replace(",\"usage\":null", ""));
        await filter.WriteAsync(all.AsMemory(cut1, cut2 - cut1));
        await filter.WriteAsync(all.AsMemory(cut2));
        await filter.FinishAsync(CancellationToken.None);

        Text(client).Should().Be(Chunk1.Replace(",\"usage\":null", "") + Done);
    }

    [Fact]
    public async Task Between_writes_an_open_stream_holds_a_buffer_only_for_an_unfinished_event()
    {
        var (filter, client) = Create();
        var usage = Encoding.UTF8.GetBytes(UsageChunk);

        await filter.WriteAsync(Encoding.UTF8.GetBytes(Chunk1));
        filter.HoldsBuffers.Should().BeFalse("a stream waiting for its next token holds nothing");
        await filter.WriteAsync(Encoding.UTF8.GetBytes(Chunk2).Concat(usage.Take(20)).ToArray());
        filter.HoldsBuffers.Should().BeTrue("the unfinished usage chunk waits for its end");
        await filter.WriteAsync(usage.Skip(20).ToArray());
        filter.HoldsBuffers.Should().BeFalse();

        Text(client).Should().Be((Chunk1 + Chunk2).Replace(",\"usage\":null", ""));
    }

    [Fact]
    public async Task Crlf_events_and_a_final_event_without_a_blank_line_are_handled()
    {
        var (filter, client) = Create();
        var body = Chunk1.Replace("\n", "\r\n") + UsageChunk.Replace("\n", "\r\n") + "data: [DONE]";

        await filter.WriteAsync(Encoding.UTF8.GetBytes(body));
        await filter.FinishAsync(CancellationToken.None);

        Text(client).Should().Be(Chunk1.Replace("\n", "\r\n").Replace(",\"usage\":null", "") + "data: [DONE]");
    }

    [Fact]
    public async Task Python_style_spacing_is_handled_too()
    {
        var (filter, client) = Create();
        const string chunk = "data: {\"id\": \"c\", \"choices\": [{\"index\": 0, \"delta\": {\"content\": \"a\"}}], \"usage\": null}\n\n";
        const string usage = "data: {\"id\": \"c\", \"choices\": [ ], \"usage\": {\"prompt_tokens\": 3}}\n\n";

        await filter.WriteAsync(Encoding.UTF8.GetBytes(chunk + usage + Done));
        await filter.FinishAsync(CancellationToken.None);

        Text(client).Should().Be(chunk.Replace(", \"usage\": null", "") + Done);
    }

    [Fact]
    public async Task Non_sse_bodies_pass_through_unchanged()
    {
        var (filter, client) = Create();
        const string error = "{\"error\":{\"message\":\"bad\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}";

        await filter.WriteAsync(Encoding.UTF8.GetBytes(error));
        await filter.FinishAsync(CancellationToken.None);

        Text(client).Should().Be(error);
    }

    [Fact]
    public async Task Gateway_stream_with_usage_hidden_is_still_not_buffered()
    {
        // Five tokens at 5 per second: the last arrives about 800 ms after the first.
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("paced", o => { o.CompletionTokens = 5; o.TokensPerSecond = 5; })
            .Group("paced").Endpoint("paced", "paced-1", "paced"));
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/chat/completions")
        {
            Content = new StringContent(TestGateway.ChatBody("paced", stream: true), Encoding.UTF8, "application/json"),
        };

        using var response = await TestGateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var clock = Stopwatch.StartNew();
        var arrivals = new List<(TimeSpan At, string Line)>();
        while (await reader.ReadLineAsync() is { } line)
            if (line.StartsWith("data: ", StringComparison.Ordinal)) arrivals.Add((clock.Elapsed, line));

        arrivals.Select(a => a.Line).Should().NotContain(l => l.Contains("usage"));
        var tokens = arrivals.Where(a => a.Line.Contains("\"content\":\"")).ToList();
        tokens.Should().HaveCount(6, "the role chunk and five tokens");
        (tokens[^1].At - tokens[1].At).Should().BeGreaterThan(TimeSpan.FromMilliseconds(500), "each token reached the client as it was generated");
    }
}
