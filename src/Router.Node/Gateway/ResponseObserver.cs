using System.Buffers;
using System.Diagnostics;

namespace Router.Node.Gateway;

/// <summary>
/// Wraps the client response body while YARP copies the upstream response into it: notes when the first
/// byte went out (time to first token), and keeps the last few KiB once token counts appear, so the usage can be read
/// at the end. A stream's writes go straight through; a body that is not a stream is held until the relay ends
/// (<paramref name="holdFor"/>).
/// </summary>
/// <param name="disarmOnFirstByte">A stream's first-token timer: the first byte disarms it (a field, not a closure per attempt).</param>
/// <param name="holdFor">For a response that is not a stream: the client's own writer. The body is held here (up to
/// 64 KB) until the relay ends; <see cref="WriteHeld"/> then puts it in the writer unflushed, and the response's end
/// sends it in one go. Sent as it came, the body left at Kestrel's first write and the chunked encoding's last 5 bytes,
/// a thread dispatch later, in a packet of their own. Held, a body its upstream cut short never reaches the client, so
/// the request can still go to another endpoint. A larger body goes out as it comes, as a stream's does.</param>
internal sealed class ResponseObserver(Stream inner, CancellationTokenSource? disarmOnFirstByte, System.IO.Pipelines.PipeWriter? holdFor = null) : Stream
{
    private const int MaxHeld = 64 * 1024;
    private byte[] _held = [];
    private int _heldLength;
    private bool _passingOn; // the held bytes went out: everything after them goes straight to the client

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
        if (holdFor is null) return inner.WriteAsync(buffer, cancellationToken);
        if (!_passingOn && _heldLength + buffer.Length <= MaxHeld)
        {
            Hold(buffer.Span);
            return ValueTask.CompletedTask;
        }
        // Too large to hold: what was held goes first, then this and the rest as they come.
        WriteHeld();
        _passingOn = true;
        holdFor.Write(buffer.Span);
        return FlushPassedOnAsync(cancellationToken);
    }

    private async ValueTask FlushPassedOnAsync(CancellationToken cancellationToken) => await holdFor!.FlushAsync(cancellationToken);

    /// <summary>Puts the held body in the client's writer, unflushed: the response's end sends it.</summary>
    public void WriteHeld()
    {
        if (_heldLength == 0) return;
        holdFor!.Write(_held.AsSpan(0, _heldLength));
        _heldLength = 0;
    }

    private void Hold(ReadOnlySpan<byte> bytes)
    {
        if (_heldLength + bytes.Length > _held.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_heldLength + bytes.Length, Math.Min(2 * _held.Length, MaxHeld)));
            _held.AsSpan(0, _heldLength).CopyTo(larger);
            if (_held.Length > 0) ArrayPool<byte>.Shared.Return(_held);
            _held = larger;
        }
        bytes.CopyTo(_held.AsSpan(_heldLength));
        _heldLength += bytes.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        if (holdFor is not null)
        {
            WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
            return;
        }
        Observe(buffer.AsSpan(offset, count));
        inner.Write(buffer, offset, count);
    }

    // Holding, YARP's flush after each write is what must not happen: the response's end sends the body.
    public override Task FlushAsync(CancellationToken cancellationToken) =>
        holdFor is null ? inner.FlushAsync(cancellationToken) : _passingOn ? holdFor.FlushAsync(cancellationToken).AsTask() : Task.CompletedTask;

    public override void Flush()
    {
        if (holdFor is null) inner.Flush();
        else FlushAsync(CancellationToken.None).GetAwaiter().GetResult();
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
        if (disposing && _held.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_held);
            (_held, _heldLength) = ([], 0);
        }
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
