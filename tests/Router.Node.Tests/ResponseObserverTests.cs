using System.Text;
using Router.Node.Gateway;

namespace Router.Node.Tests;

/// <summary>The wrapper that keeps the end of a response (where a stream's usage chunk is) while passing every byte on.</summary>
public sealed class ResponseObserverTests
{
    private static readonly byte[] UsageChunk = Encoding.UTF8.GetBytes(
        "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":1234,\"completion_tokens\":567,\"total_tokens\":1801}}\n\n");

    [Fact]
    public async Task Passes_every_write_through_and_reads_the_usage_the_last_4_KiB_hold_whatever_the_write_sizes()
    {
        var random = new Random(7);
        var client = new MemoryStream();
        using var observer = new ResponseObserver(client, null);
        var written = new List<byte>();
        // Small chunks (a stream's tokens), then one larger than the tail, then small ones again: every path of the tail,
        // with usage objects (whole or split across writes) among them.
        var sizes = Enumerable.Range(0, 300).Select(_ => random.Next(1, 400)).Append(5000).Concat(Enumerable.Range(0, 50).Select(_ => random.Next(1, 900)));
        var pending = new List<byte>();
        foreach (var size in sizes)
        {
            var chunk = new byte[size];
            random.NextBytes(chunk);
            pending.AddRange(chunk);
            if (random.Next(10) == 0) pending.AddRange(UsageChunk.Take(random.Next(UsageChunk.Length)).ToArray());
            if (random.Next(10) == 0) pending.AddRange(UsageChunk);
            var write = pending.Take(size).ToArray();
            pending.RemoveRange(0, write.Length);
            await observer.WriteAsync(write);
            written.AddRange(write);
            UsageScanner.Read(observer.ReadTail()).Should().Be(UsageScanner.Read(written.Skip(Math.Max(0, written.Count - 4096)).ToArray()),
                "the usage read is the one the last 4 KiB written hold");
        }

        client.ToArray().Should().Equal(written, "nothing is held back or changed on the way to the client");
        observer.FirstByteTimestamp.Should().NotBe(0);
    }

    [Theory]
    [InlineData("{\"choices\":[],\"usage\":{\"prompt_tokens\":1234,\"completion_tokens\":567,\"total_tokens\":1801}}", 1234, 567)]
    // One token count only, so no later key starts the tail if this one is split (a Responses API event may end so).
    [InlineData("{\"type\":\"response.completed\",\"response\":{\"usage\":{\"output_tokens\":567}}}", 0, 567)]
    public async Task A_usage_chunk_split_across_two_writes_at_any_byte_is_read(string data, int prompt, int completion)
    {
        var tokens = Encoding.UTF8.GetBytes("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}],\"usage\":null}\n\n");
        var usage = Encoding.UTF8.GetBytes($"data: {data}\n\n");
        for (var split = 0; split <= usage.Length; split++)
        {
            using var observer = new ResponseObserver(new MemoryStream(), null);
            await observer.WriteAsync(tokens);
            await observer.WriteAsync(usage.AsMemory(0, split));
            await observer.WriteAsync(usage.AsMemory(split));
            await observer.WriteAsync("data: [DONE]\n\n"u8.ToArray());
            UsageScanner.Read(observer.ReadTail()).Should().Be((prompt, completion), $"split at byte {split}");
        }
    }

    [Fact]
    public async Task A_long_stream_that_names_no_token_count_holds_no_tail()
    {
        using var observer = new ResponseObserver(new MemoryStream(), null);
        var chunk = Encoding.UTF8.GetBytes("data: {\"choices\":[{\"delta\":{\"content\":\" token\"}}],\"usage\":null}\n\n");
        for (var i = 0; i < 2_000; i++) await observer.WriteAsync(chunk);
        observer.KeepsTail.Should().BeFalse("an open stream keeps 4 KiB only once its usage arrives");
        observer.ReadTail().IsEmpty.Should().BeTrue();

        await observer.WriteAsync(UsageChunk);
        observer.KeepsTail.Should().BeTrue();
        UsageScanner.Read(observer.ReadTail()).Should().Be((1234, 567));
    }

    [Fact]
    public async Task The_tail_read_once_at_the_end_of_a_long_stream_is_its_last_4_KiB_in_order()
    {
        var random = new Random(11);
        using var observer = new ResponseObserver(new MemoryStream(), null);
        var written = new List<byte>(UsageChunk);
        await observer.WriteAsync(UsageChunk); // a token count early: from then on the tail is kept
        // A stream of small chunks that goes round the ring many times before the tail is read (once, as the gateway does).
        for (var i = 0; i < 2_000; i++)
        {
            var chunk = new byte[random.Next(1, 300)];
            random.NextBytes(chunk);
            await observer.WriteAsync(chunk);
            written.AddRange(chunk);
        }
        observer.ReadTail().ToArray().Should().Equal(written.Skip(written.Count - 4096));
    }

    [Fact]
    public void Before_any_write_the_tail_is_empty()
    {
        using var observer = new ResponseObserver(new MemoryStream(), null);
        observer.ReadTail().IsEmpty.Should().BeTrue();
        observer.FirstByteTimestamp.Should().Be(0);
    }
}
