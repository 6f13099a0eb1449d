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
    // Rented: a fresh array per attempt was the largest allocation on the request path. Twice the tail, so that a small
    // write appends and the kept tail slides to the front only once per tail's worth of bytes, not on every chunk.
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(2 * TailSize);
    private int _end;

    /// <summary><see cref="Stopwatch"/> timestamp of the first byte written, or 0 if none was.</summary>
    public long FirstByteTimestamp { get; private set; }

    /// <summary>The last bytes written, up to 4 KiB.</summary>
    public ReadOnlySpan<byte> Tail => _buffer.AsSpan(Math.Max(0, _end - TailSize), Math.Min(_end, TailSize));

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
            bytes[^TailSize..].CopyTo(_buffer);
            _end = TailSize;
            return;
        }
        if (_end + bytes.Length > _buffer.Length)
        {
            var keep = Math.Min(_end, TailSize - bytes.Length);
            _buffer.AsSpan(_end - keep, keep).CopyTo(_buffer);
            _end = keep;
        }
        bytes.CopyTo(_buffer.AsSpan(_end));
        _end += bytes.Length;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
            _end = 0;
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
