using System.Buffers;

namespace Router.Node.Gateway;

/// <summary>
/// Sits between YARP and the client for a chat or completions stream whose client did not ask for usage, when the
/// gateway asked the upstream for it (stream_options.include_usage) to charge the real token counts. It hides what
/// the client did not ask for: the usage-only event (empty "choices", a "usage" object) is dropped and the
/// <c>,"usage":null</c> member the upstream adds to every other chunk is cut out, so the client sees exactly the
/// stream it would have seen. Nothing is held back but the unfinished end of an event: every complete event goes
/// out in the write that completed it, all of them in one write to the client.
/// </summary>
internal sealed class UsageChunkFilter(Stream inner, HttpResponse response) : Stream
{
    private static ReadOnlySpan<byte> NullUsage => ",\"usage\":null"u8;
    private static ReadOnlySpan<byte> SpacedNullUsage => ", \"usage\": null"u8; // Python's json.dumps separators

    private byte[] _pending = [];
    private int _pendingLength;
    // What one write sends on: every complete event of it, filtered, in one write to the client (one flush, not two per event).
    private byte[] _out = [];
    private int _outLength;
    private bool _started;

    /// <summary>Usage-only events removed so far.</summary>
    public int DroppedEvents { get; private set; }

    /// <summary>Whether a buffer is held (between writes: only for an event whose end has not arrived).</summary>
    internal bool HoldsBuffers => _out.Length > 0 || _pending.Length > 0;

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty) return ValueTask.CompletedTask;
        if (!_started)
        {
            _started = true;
            // The client gets fewer bytes than the upstream sent: a copied Content-Length would be wrong.
            if (!response.HasStarted) response.ContentLength = null;
        }
        ReadOnlyMemory<byte> data;
        if (_pendingLength == 0)
        {
            data = buffer;
        }
        else
        {
            Append(buffer.Span);
            data = _pending.AsMemory(0, _pendingLength);
        }

        var consumed = 0;
        while (FindEventEnd(data.Span[consumed..]) is var end and > 0)
        {
            Filter(data.Span.Slice(consumed, end));
            consumed += end;
        }

        var rest = data[consumed..];
        if (rest.IsEmpty)
        {
            _pendingLength = 0;
        }
        else if (_pendingLength == 0)
        {
            Append(rest.Span);
        }
        else
        {
            rest.Span.CopyTo(_pending); // overlapping copy towards the start is safe for spans
            _pendingLength = rest.Length;
        }
        return SendAsync(cancellationToken);
    }

    /// <summary>The upstream is done: whatever did not end with a blank line goes out as it is.</summary>
    public ValueTask FinishAsync(CancellationToken cancellationToken)
    {
        if (_pendingLength == 0) return ValueTask.CompletedTask;
        Filter(_pending.AsSpan(0, _pendingLength));
        _pendingLength = 0;
        return SendAsync(cancellationToken);
    }

    // Neither buffer is held between writes: an open stream waits for its next token far longer than it writes, and
    // 10,000 open streams would hold 10 MB of them (rent and return cost less than the write).
    private ValueTask SendAsync(CancellationToken cancellationToken)
    {
        if (_pendingLength == 0) _pending = GiveBack(_pending);
        if (_outLength == 0) return ValueTask.CompletedTask;
        var length = _outLength;
        _outLength = 0;
        var write = inner.WriteAsync(_out.AsMemory(0, length), cancellationToken);
        if (!write.IsCompletedSuccessfully) return GiveBackOutWhenWritten(write);
        _out = GiveBack(_out);
        return ValueTask.CompletedTask;
    }

    private async ValueTask GiveBackOutWhenWritten(ValueTask write)
    {
        try
        {
            await write;
        }
        finally
        {
            _out = GiveBack(_out);
        }
    }

    private static byte[] GiveBack(byte[] buffer)
    {
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
        return [];
    }

    /// <summary>Adds one event to what goes out: dropped if it is the usage chunk, without its <c>"usage":null</c> member otherwise.</summary>
    private void Filter(ReadOnlySpan<byte> sseEvent)
    {
        // Both the usage chunk and the null member contain "usage": an event without it (e.g. [DONE]) goes out as it is.
        // One scan decides the usual chunk; the three scans of the general rule below run only for anything else.
        var usage = sseEvent.IndexOf("\"usage\""u8);
        if (usage < 0)
        {
            Output(sseEvent);
            return;
        }
        // The usual chunk: its first "usage" is the upstream's compact ,"usage":null. (The first occurrence of that text
        // can only be here, and a usage chunk's first "usage" is an object, so this is exactly the general rule below.)
        if (usage > 0 && sseEvent[usage - 1] == (byte)',' && sseEvent[(usage + "\"usage\""u8.Length)..].StartsWith(":null"u8))
        {
            Output(sseEvent[..(usage - 1)]);
            Output(sseEvent[(usage - 1 + NullUsage.Length)..]);
            return;
        }
        if (IsUsageOnly(sseEvent))
        {
            DroppedEvents++;
            return;
        }
        var at = sseEvent.IndexOf(NullUsage);
        var length = NullUsage.Length;
        if (at < 0)
        {
            at = sseEvent.IndexOf(SpacedNullUsage);
            length = SpacedNullUsage.Length;
        }
        if (at < 0)
        {
            Output(sseEvent);
            return;
        }
        Output(sseEvent[..at]);
        Output(sseEvent[(at + length)..]);
    }

    private void Output(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return;
        if (_out.Length < _outLength + bytes.Length) _out = Grow(_out, _outLength, _outLength + bytes.Length);
        bytes.CopyTo(_out.AsSpan(_outLength));
        _outLength += bytes.Length;
    }

    /// <summary>A pooled array of at least <paramref name="needed"/> bytes holding the first <paramref name="used"/> of <paramref name="buffer"/>, which goes back to the pool.</summary>
    private static byte[] Grow(byte[] buffer, int used, int needed)
    {
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(1024, buffer.Length * 2)));
        buffer.AsSpan(0, used).CopyTo(larger);
        GiveBack(buffer);
        return larger;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // Both buffers are rented, so an event split across reads costs no array per stream.
            _out = GiveBack(_out);
            _pending = GiveBack(_pending);
            _outLength = _pendingLength = 0;
        }
        base.Dispose(disposing); // the client's stream is not ours to close
    }

    /// <summary>Index just past the blank line ending the first event ("\n\n" or "\r\n\r\n"), or 0.</summary>
    internal static int FindEventEnd(ReadOnlySpan<byte> data)
    {
        var offset = 0;
        while (true)
        {
            var newline = data[offset..].IndexOf((byte)'\n');
            if (newline < 0) return 0;
            var i = offset + newline + 1;
            if (i < data.Length && data[i] == (byte)'\n') return i + 1;
            if (i + 1 < data.Length && data[i] == (byte)'\r' && data[i + 1] == (byte)'\n') return i + 2;
            offset = i;
        }
    }

    /// <summary>An event whose data has "choices": [] and a "usage" object: the chunk that include_usage adds.</summary>
    internal static bool IsUsageOnly(ReadOnlySpan<byte> sseEvent)
    {
        return Member(sseEvent, "\"choices\""u8, (byte)'[', out var choices) && choices.TrimStart(" \t\r\n"u8).StartsWith("]"u8)
            && Member(sseEvent, "\"usage\""u8, (byte)'{', out _);

        static bool Member(ReadOnlySpan<byte> text, ReadOnlySpan<byte> name, byte opener, out ReadOnlySpan<byte> after)
        {
            after = default;
            var at = text.IndexOf(name);
            if (at < 0) return false;
            var rest = text[(at + name.Length)..].TrimStart(" \t\r\n"u8);
            if (rest.IsEmpty || rest[0] != (byte)':') return false;
            rest = rest[1..].TrimStart(" \t\r\n"u8);
            if (rest.IsEmpty || rest[0] != opener) return false;
            after = rest[1..];
            return true;
        }
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (_pending.Length < _pendingLength + bytes.Length)
            _pending = Grow(_pending, _pendingLength, _pendingLength + bytes.Length);
        bytes.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += bytes.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    public override void Flush() => inner.Flush();

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
