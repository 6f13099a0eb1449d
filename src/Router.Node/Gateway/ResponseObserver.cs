using System.Buffers;
using System.Diagnostics;

namespace Router.Node.Gateway;

/// <summary>
/// Wraps the client response body while YARP copies the upstream response into it: notes when the first
/// byte went out (time to first token), and keeps the last few KiB so the token usage can be read at the end.
/// Every write goes straight through: nothing is buffered on the way to the client.
/// </summary>
/// <param name="disarmOnFirstByte">A stream's first-token timer: the first byte disarms it (a field, not a closure per attempt).</param>
internal sealed class ResponseObserver(Stream inner, CancellationTokenSource? disarmOnFirstByte) : Stream
{
    private const int TailSize = 4096;
    // Rented (a fresh array per attempt was the largest allocation on the request path), and a ring of exactly the tail:
    // every open stream holds one, so 4 KiB instead of the 8 KiB a sliding buffer needed is 40 MB at 10,000 streams.
    private byte[] _ring = ArrayPool<byte>.Shared.Rent(TailSize);
    private int _next;  // where the next byte goes
    private int _count; // bytes kept, up to TailSize

    /// <summary><see cref="Stopwatch"/> timestamp of the first byte written, or 0 if none was.</summary>
    public long FirstByteTimestamp { get; private set; }

    /// <summary>The last bytes written, up to 4 KiB, oldest first (the ring is put in that order, once per attempt).</summary>
    public ReadOnlySpan<byte> ReadTail()
    {
        if (_count < TailSize || _next == 0) return _ring.AsSpan(0, _count);
        Span<byte> newest = stackalloc byte[_next];
        _ring.AsSpan(0, _next).CopyTo(newest);
        _ring.AsSpan(_next, TailSize - _next).CopyTo(_ring); // an overlapping copy towards the start is safe for spans
        newest.CopyTo(_ring.AsSpan(TailSize - _next));
        _next = 0;
        return _ring.AsSpan(0, TailSize);
    }

    // Not async: a state machine per streamed chunk for a call that only adds a look at the bytes.
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Observe(buffer.Span);
        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        Observe(buffer.AsSpan(offset, count));
        inner.Write(buffer, offset, count);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    public override void Flush() => inner.Flush();

    private void Observe(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return;
        if (FirstByteTimestamp == 0)
        {
            FirstByteTimestamp = Stopwatch.GetTimestamp();
            disarmOnFirstByte?.CancelAfter(Timeout.InfiniteTimeSpan);
        }
        if (bytes.Length >= TailSize)
        {
            bytes[^TailSize..].CopyTo(_ring);
            (_next, _count) = (0, TailSize);
            return;
        }
        var untilEnd = Math.Min(bytes.Length, TailSize - _next);
        bytes[..untilEnd].CopyTo(_ring.AsSpan(_next));
        bytes[untilEnd..].CopyTo(_ring); // the rest wraps round to the start
        _next = (_next + bytes.Length) % TailSize;
        _count = Math.Min(_count + bytes.Length, TailSize);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _ring.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_ring);
            _ring = [];
            (_next, _count) = (0, 0);
        }
        base.Dispose(disposing); // the client's stream is not ours to close
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
