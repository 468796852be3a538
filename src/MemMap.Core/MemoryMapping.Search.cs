namespace MemMap;

// Search: the range is cut into blocks of match starts; each block's window (the block plus
// needle.Length - 1 bytes, so a match straddling two blocks is found exactly once, in the block
// where it starts) is copied through the kernel with Read, which enters and leaves the gate on
// its own: no lock is held while the caller consumes a match, and a file truncated mid-search is
// a MappingAccessException. While one window is searched, the next is copied on another thread.
public sealed partial class MemoryMapping
{
    /// <summary>How many match starts one window covers; measured: larger windows fall out of the cache, smaller ones pay more system calls.</summary>
    internal const int SearchBlockLength = 1 << 20;

    /// <summary>
    /// The offsets of every occurrence of <paramref name="needle"/> in [<paramref name="offset"/>,
    /// <paramref name="offset"/> + <paramref name="count"/>), ascending, overlapping ones included.
    /// The range is checked at once; the search runs as the result is enumerated.
    /// </summary>
    /// <param name="needle">The bytes to find; not empty.</param>
    /// <param name="offset">Where the range starts, from the start of the mapping.</param>
    /// <param name="count">The bytes in the range; null means up to <see cref="Length"/>.</param>
    /// <param name="progress">Told, on the enumerating thread, how many bytes of the range have been searched so far.</param>
    /// <exception cref="ArgumentException">The needle is empty, or the range is not inside <see cref="Length"/>.</exception>
    /// <exception cref="MappingAccessException">While enumerating: a page is not readable, was unmapped, or no longer exists.</exception>
    /// <exception cref="MappingClosedException">While enumerating: the mapping was removed.</exception>
    public IEnumerable<long> Find(ReadOnlySpan<byte> needle, long offset = 0, long? count = null, IProgress<long>? progress = null)
    {
        long end = CheckSearch(needle, offset, count);
        return FindBlocks(needle.ToArray(), offset, end, progress);
    }

    /// <summary>The offset of the last occurrence of <paramref name="needle"/> in the range (searching backwards), or null if there is none.</summary>
    /// <inheritdoc cref="Find(ReadOnlySpan{byte}, long, long?, IProgress{long}?)"/>
    public long? FindLast(ReadOnlySpan<byte> needle, long offset = 0, long? count = null, IProgress<long>? progress = null)
    {
        long end = CheckSearch(needle, offset, count);
        byte[] pattern = needle.ToArray();
        long blocks = Blocks(pattern, offset, end);
        using var windows = new WindowReader(this, pattern.Length);
        for (long block = blocks - 1; block >= 0; block--)
        {
            (long start, ReadOnlyMemory<byte> window) = windows.Next(offset + block * SearchBlockLength, end, offset + (block - 1) * SearchBlockLength, block > 0);
            int at = window.Span.LastIndexOf(pattern);
            if (at >= 0)
            {
                return start + at;
            }
            progress?.Report(end - start);
        }
        return null;
    }

    private IEnumerable<long> FindBlocks(byte[] needle, long offset, long end, IProgress<long>? progress)
    {
        long blocks = Blocks(needle, offset, end);
        using var windows = new WindowReader(this, needle.Length);
        for (long block = 0; block < blocks; block++)
        {
            long start = offset + block * SearchBlockLength;
            (_, ReadOnlyMemory<byte> window) = windows.Next(start, end, start + SearchBlockLength, block + 1 < blocks);
            for (int from = 0, at; (at = window.Span[from..].IndexOf(needle)) >= 0; from += at + 1)
            {
                yield return start + from + at;
            }
            progress?.Report(Math.Min(start + SearchBlockLength, end) - offset);
        }
    }

    /// <summary>Checks the needle and the range; returns the range's end.</summary>
    private long CheckSearch(ReadOnlySpan<byte> needle, long offset, long? count)
    {
        if (needle.IsEmpty)
        {
            throw new ArgumentException("The bytes to find are empty, and an empty value matches everywhere: give at least one byte.", nameof(needle));
        }
        long length = count ?? Math.Max(0, Length - offset);
        CheckRange(offset, length);
        return offset + length;
    }

    /// <summary>How many blocks of match starts [offset, end) holds for this needle.</summary>
    private static long Blocks(byte[] needle, long offset, long end)
    {
        long starts = end - offset - needle.Length + 1;
        return starts <= 0 ? 0 : (starts + SearchBlockLength - 1) / SearchBlockLength;
    }

    /// <summary>
    /// Copies windows of the mapping into two reused buffers: the one handed out, and the one the
    /// next window is copied into meanwhile on a pool thread. Each copy is one Read.
    /// </summary>
    private sealed class WindowReader(MemoryMapping mapping, int needleLength) : IDisposable
    {
        private readonly byte[][] buffers = [new byte[SearchBlockLength + needleLength - 1], new byte[SearchBlockLength + needleLength - 1]];
        private int current;
        private Task? pending;
        private long pendingStart = -1;

        /// <summary>The window whose matches start at <paramref name="start"/>; starts copying the one at <paramref name="next"/> if <paramref name="prefetch"/>.</summary>
        public (long Start, ReadOnlyMemory<byte> Window) Next(long start, long end, long next, bool prefetch)
        {
            int length = WindowLength(start, end);
            if (pendingStart == start)
            {
                Task copy = pending!;
                pending = null;
                copy.GetAwaiter().GetResult(); // rethrows the copy's MappingAccessException as it was
            }
            else
            {
                Wait();
                mapping.Read(start, buffers[current].AsSpan(0, length));
            }
            byte[] window = buffers[current];
            current ^= 1;
            pendingStart = -1;
            if (prefetch)
            {
                byte[] target = buffers[current];
                int nextLength = WindowLength(next, end);
                pendingStart = next;
                pending = Task.Run(() => mapping.Read(next, target.AsSpan(0, nextLength)));
            }
            return (start, window.AsMemory(0, length));
        }

        private int WindowLength(long start, long end) => (int)Math.Min(SearchBlockLength + needleLength - 1, end - start);

        /// <summary>Waits for a copy still under way (its buffer is about to be reused or dropped); its error no longer matters.</summary>
        private void Wait()
        {
            try
            {
                pending?.Wait();
            }
            catch (AggregateException)
            {
                // The search stopped before that window: nobody reads it.
            }
            pending = null;
        }

        public void Dispose() => Wait();
    }
}
