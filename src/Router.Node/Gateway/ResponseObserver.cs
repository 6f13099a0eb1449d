using System.Buffers;
using System.Diagnostics;

namespace Router.Node.Gateway;

/// <summary>
/// Wraps the client response body while YARP copies the upstream response into it: notes when the first
/// byte went out (time to first token), and keeps the last few KiB once token counts appear, so the usage can be read
/// at the end. Every write goes straight through: nothing is buffered on the way to the client.
/// </summary>
/// <param name="disarmOnFirstByte">A stream's first-token timer: the first byte disarms it (a field, not a closure per attempt).</param>
/// <param name="coalesceInto">For a response that is not a stream: the client's own writer, into which every write goes
/// without a flush, so the body leaves with its end (Kestrel's completion) in one send, not as the body and then, a
/// thread dispatch later, the chunked encoding's last 5 bytes in a packet of their own. Null: writes go to
/// <paramref name="inner"/> and are flushed as YARP asks.</param>
internal sealed class ResponseObserver(Stream inner, CancellationTokenSource? disarmOnFirstByte, System.IO.Pipelines.PipeWriter? coalesceInto = null) : Stream
{
    /// <summary>Held unflushed at most this much: a large body (a batch of embeddings) still goes out as it comes.</summary>
    private const int MaxCoalesced = 64 * 1024;
    private int _unflushed;

    private const int TailSize = 4096;
    // Every key UsageScanner reads ("prompt_tokens", "completion_tokens", "input_tokens", "output_tokens") ends so, and
    // at most 11 bytes come before it ("completion): the carry keeps enough of the previous writes for a key split across two.
    private static ReadOnlySpan<byte> TokenCountKey => "_tokens\""u8;
    private const int CarrySize = 32;

    // Rented only once a write names a token count (the usage object, near the end of a response): until then an open
    // stream holds the last 32 bytes written, not 4 KiB of tokens nobody reads (40 MB at 10,000 streams). Then a ring
    // of exactly the tail. The usage read from it is the one the last 4 KiB would give: no key comes before the first.
    private byte[] _ring = [];
    private int _next;  // where the next byte goes
    private int _count; // bytes kept, up to TailSize
    private Carry _carry;
    private int _carryLength;

    [System.Runtime.CompilerServices.InlineArray(CarrySize)]
    private struct Carry
    {
        private byte _first;
    }

    /// <summary>Whether the tail is being kept (a token count was written).</summary>
    public bool KeepsTail => _ring.Length > 0;

    /// <summary><see cref="Stopwatch"/> timestamp of the first byte written, or 0 if none was.</summary>
    public long FirstByteTimestamp { get; private set; }

    /// <summary>The last bytes written, up to 4 KiB, oldest first (the ring is put in that order, once per attempt), from
    /// shortly before the first token count on; empty if none was written.</summary>
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
        if (coalesceInto is null) return inner.WriteAsync(buffer, cancellationToken);
        coalesceInto.Write(buffer.Span);
        _unflushed += buffer.Length;
        if (_unflushed < MaxCoalesced) return ValueTask.CompletedTask;
        _unflushed = 0;
        return FlushCoalescedAsync(cancellationToken);
    }

    private async ValueTask FlushCoalescedAsync(CancellationToken cancellationToken) => await coalesceInto!.FlushAsync(cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        if (coalesceInto is not null)
        {
            WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
            return;
        }
        Observe(buffer.AsSpan(offset, count));
        inner.Write(buffer, offset, count);
    }

    // Coalescing, YARP's flush after each write is what must not happen: the end of the response flushes.
    public override Task FlushAsync(CancellationToken cancellationToken) => coalesceInto is null ? inner.FlushAsync(cancellationToken) : Task.CompletedTask;
    public override void Flush()
    {
        if (coalesceInto is null) inner.Flush();
    }

    private void Observe(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return;
        if (FirstByteTimestamp == 0)
        {
            FirstByteTimestamp = Stopwatch.GetTimestamp();
            disarmOnFirstByte?.CancelAfter(Timeout.InfiniteTimeSpan);
        }
        if (_ring.Length == 0 && !StartsTail(bytes)) return;
        KeepInRing(bytes);
    }

    /// <summary>Until a token count is written: keeps the last bytes; at the first one, rents the ring and puts them in it.</summary>
    private bool StartsTail(ReadOnlySpan<byte> bytes)
    {
        Span<byte> carry = _carry;
        var keyOverlap = TokenCountKey.Length - 1;
        Span<byte> seam = stackalloc byte[2 * keyOverlap];
        var before = Math.Min(_carryLength, keyOverlap);
        carry.Slice(_carryLength - before, before).CopyTo(seam);
        var after = Math.Min(bytes.Length, keyOverlap);
        bytes[..after].CopyTo(seam[before..]);
        if (bytes.IndexOf(TokenCountKey) < 0 && seam[..(before + after)].IndexOf(TokenCountKey) < 0)
        {
            if (bytes.Length >= CarrySize)
            {
                bytes[^CarrySize..].CopyTo(carry);
                _carryLength = CarrySize;
            }
            else
            {
                var kept = Math.Min(_carryLength, CarrySize - bytes.Length);
                carry.Slice(_carryLength - kept, kept).CopyTo(carry); // an overlapping copy towards the start is safe for spans
                bytes.CopyTo(carry[kept..]);
                _carryLength = kept + bytes.Length;
            }
            return false;
        }
        _ring = ArrayPool<byte>.Shared.Rent(TailSize);
        KeepInRing(carry[.._carryLength]);
        return true;
    }

    private void KeepInRing(ReadOnlySpan<byte> bytes)
    {
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
