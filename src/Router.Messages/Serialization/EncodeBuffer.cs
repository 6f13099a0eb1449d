namespace Router.Messages.Serialization;

/// <summary>
/// A thread's reusable stream for the binary codecs: each encode used to allocate a stream sized by an estimate (42 KB
/// for a 9 KB batch of 333 snapshots), kept only until the bytes were copied out; at 1,000 endpoints that was a
/// quarter of the routing core's byte arrays. Only the encoded bytes are allocated now.
/// </summary>
internal static class EncodeBuffer
{
    /// <summary>A stream grown past this by an unusually large message is dropped rather than kept for the thread.</summary>
    private const int LargestKept = 1 << 20;

    [ThreadStatic] private static MemoryStream? _stream;

    /// <summary>The thread's stream, empty; an encode nested in another gets one of its own.</summary>
    public static MemoryStream Rent()
    {
        var stream = _stream ?? new MemoryStream(4096);
        _stream = null;
        stream.SetLength(0);
        return stream;
    }

    /// <summary>The bytes written to <paramref name="stream"/>, which goes back to the thread.</summary>
    public static byte[] Return(MemoryStream stream)
    {
        var bytes = stream.ToArray();
        if (stream.Capacity <= LargestKept) _stream = stream;
        return bytes;
    }
}
