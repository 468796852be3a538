namespace MemMap;

// AsStream: the mapping as a System.IO.Stream, for the .NET and PowerShell APIs that speak Stream
// (hashing, compression, StreamReader, CopyTo). See MappingStream.cs.
public sealed partial class MemoryMapping
{
    /// <summary>A seekable stream over the whole mapping (<see cref="Length"/> bytes); see <see cref="AsStream(long, long)"/>.</summary>
    /// <exception cref="MappingClosedException">The mapping was removed.</exception>
    public Stream AsStream() => AsStream(0, Length);

    /// <summary>
    /// A seekable stream over [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="count"/>).
    /// It reads always and writes when every page of the range was writable when it was made, by the
    /// same checked paths as <see cref="Read(long, Span{byte})"/> and <see cref="Write(long, ReadOnlySpan{byte})"/>;
    /// it never reads or writes past its end (nor past <see cref="Length"/>) and cannot grow. A refused
    /// access (a page truncated away by another process, a protection change) is an
    /// <see cref="IOException"/> whose inner exception is MemMap's typed error; nothing is buffered,
    /// so Flush does nothing (call <see cref="Sync(long, long?, SyncMode, bool, CancellationToken)"/> for durability).
    /// Closing the stream leaves the mapping; removing the mapping makes the stream's next call throw
    /// <see cref="ObjectDisposedException"/>.
    /// </summary>
    /// <param name="offset">Where the stream starts, from the start of the mapping.</param>
    /// <param name="count">The stream's length in bytes.</param>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the mapping's <see cref="Length"/>.</exception>
    /// <exception cref="MappingClosedException">The mapping was removed.</exception>
    public Stream AsStream(long offset, long count)
    {
        CheckRange(offset, count); // before the gate, as Read does: a bad range is refused even on a removed mapping
        using UseScope use = EnterUse();
        CheckRange(offset, count);
        return new MappingStream(this, offset, count, writable: pages.FirstDenying(offset, count, MemoryProtection.Write) is null);
    }
}
