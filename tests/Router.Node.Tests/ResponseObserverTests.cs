using Router.Node.Gateway;

namespace Router.Node.Tests;

/// <summary>The wrapper that keeps the end of a response (where a stream's usage chunk is) while passing every byte on.</summary>
public sealed class ResponseObserverTests
{
    [Fact]
    public async Task Passes_every_write_through_and_keeps_the_last_4_KiB_whatever_the_write_sizes()
    {
        var random = new Random(7);
        var client = new MemoryStream();
        using var observer = new ResponseObserver(client, null);
        var written = new List<byte>();
        // Small chunks (a stream's tokens), then one larger than the tail, then small ones again: every path of the tail.
        foreach (var size in Enumerable.Range(0, 300).Select(_ => random.Next(1, 400)).Append(5000).Concat(Enumerable.Range(0, 50).Select(_ => random.Next(1, 900))))
        {
            var chunk = new byte[size];
            random.NextBytes(chunk);
            await observer.WriteAsync(chunk);
            written.AddRange(chunk);
            observer.ReadTail().ToArray().Should().Equal(written.Skip(Math.Max(0, written.Count - 4096)), "the tail is the last 4 KiB written");
        }

        client.ToArray().Should().Equal(written, "nothing is held back or changed on the way to the client");
        observer.FirstByteTimestamp.Should().NotBe(0);
    }

    [Fact]
    public async Task The_tail_read_once_at_the_end_of_a_long_stream_is_its_last_4_KiB_in_order()
    {
        var random = new Random(11);
        using var observer = new ResponseObserver(new MemoryStream(), null);
        var written = new List<byte>();
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
