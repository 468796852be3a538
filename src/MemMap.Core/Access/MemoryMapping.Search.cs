using System.Buffers;

namespace MemMap;

// Search: the range is cut into blocks of match starts; each block's window (the block plus
// needle.Length - 1 bytes, so a match straddling two blocks is found exactly once, in the block
// where it starts) is searched on a pool thread that enters and leaves the gate on its own: no lock
// is held while the caller consumes a match, and a file truncated mid-search is a
// MappingAccessException. Several blocks run at once and their results are handed out in order.
// Anonymous memory (the Direct access path, see MemoryMapping.Access.cs) is searched where it lies,
// under the gate; any other window is first copied with Read (the guarded copy where the native
// helper is loaded, else pread for a shared regular file, which scales over threads where
// process_vm_readv does not), since no managed code may touch memory another process can take away.
public sealed partial class MemoryMapping
{
    /// <summary>How many match starts one block covers; measured: 256 KiB to 4 MiB search equally fast, larger windows fall out of the cache.</summary>
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
    /// <param name="cancel">Stops the search before the next block (OperationCanceledException while enumerating).</param>
    public IEnumerable<long> Find(ReadOnlySpan<byte> needle, long offset = 0, long? count = null, IProgress<long>? progress = null, CancellationToken cancel = default)
    {
        long end = CheckSearch(needle, offset, count);
        byte[] pattern = needle.ToArray();
        return FindAll(pattern, offset, end, progress, cancel);
    }

    /// <summary>The offset of the last occurrence of <paramref name="needle"/> in the range (searching backwards), or null if there is none.</summary>
    /// <inheritdoc cref="Find(ReadOnlySpan{byte}, long, long?, IProgress{long}?, CancellationToken)"/>
    public long? FindLast(ReadOnlySpan<byte> needle, long offset = 0, long? count = null, IProgress<long>? progress = null, CancellationToken cancel = default)
    {
        long end = CheckSearch(needle, offset, count);
        byte[] pattern = needle.ToArray();
        foreach ((long start, long? at) in SearchBlocks(pattern, offset, end, backwards: true,
            (start, window) => window.LastIndexOf(pattern) is int at and >= 0 ? start + at : (long?)null, cancel))
        {
            if (at is not null)
            {
                return at;
            }
            progress?.Report(end - start);
        }
        return null;
    }

    /// <summary>
    /// Like <see cref="Find(ReadOnlySpan{byte}, long, long?, IProgress{long}?, CancellationToken)"/>, but searches only
    /// the pages that can be read: each run of unmapped or unreadable pages in the range is handed to
    /// <paramref name="unreadable"/> once, as the error a read there gives, when the search reaches
    /// it, and the search goes on after it. A match cannot span such a run (its bytes cannot be read).
    /// </summary>
    /// <param name="needle">The bytes to find; not empty.</param>
    /// <param name="offset">Where the range starts, from the start of the mapping.</param>
    /// <param name="count">The bytes in the range; null means up to <see cref="Length"/>.</param>
    /// <param name="progress">Told how many bytes of the range have been searched so far.</param>
    /// <param name="unreadable">Told, in offset order, of each unreadable run.</param>
    /// <param name="backwards">Search from the end and stop at the first match found (the last one): see <see cref="FindLast"/>.</param>
    /// <param name="cancel">Stops the search before the next block (OperationCanceledException while enumerating).</param>
    /// <exception cref="ArgumentException">The needle is empty, or the range is not inside <see cref="Length"/>.</exception>
    /// <exception cref="MappingAccessException">While enumerating: a page changed or vanished after the search started.</exception>
    /// <exception cref="MappingClosedException">While enumerating: the mapping was removed.</exception>
    public IEnumerable<long> FindReadable(ReadOnlySpan<byte> needle, long offset, long? count, IProgress<long>? progress, Action<MappingAccessException> unreadable, bool backwards = false, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(unreadable);
        long end = CheckSearch(needle, offset, count);
        byte[] pattern = needle.ToArray();
        return FindReadableRuns(pattern, offset, end, progress, unreadable, backwards, cancel);
    }

    private IEnumerable<long> FindReadableRuns(byte[] needle, long offset, long end, IProgress<long>? progress, Action<MappingAccessException> unreadable, bool backwards, CancellationToken cancel)
    {
        List<(long Start, long End, MappingAccessException? Error)> runs = ReadableRuns(offset, end);
        if (backwards)
        {
            runs.Reverse();
        }
        foreach ((long start, long stop, MappingAccessException? error) in runs)
        {
            if (error is not null)
            {
                unreadable(error);
                continue;
            }
            if (backwards)
            {
                if (FindLast(needle, start, stop - start, progress, cancel) is long last)
                {
                    yield return last;
                    yield break;
                }
                continue;
            }
            foreach (long at in FindAll(needle, start, stop, progress, cancel, searchedBefore: start - offset))
            {
                yield return at;
            }
        }
    }

    /// <summary>[offset, end) cut into runs of readable pages and of unreadable ones, each unreadable run with the error a read of it gives.</summary>
    private List<(long Start, long End, MappingAccessException? Error)> ReadableRuns(long offset, long end)
    {
        using UseScope use = EnterUse();
        CheckRange(offset, end - offset); // again under the gate: a resize may have shortened the mapping since the range was checked
        var runs = new List<(long Start, long End, MappingAccessException? Error)>();
        foreach (PageMap.Run run in pages.Runs)
        {
            long start = Math.Max(run.Offset, offset), stop = Math.Min(run.End, end);
            if (start >= stop)
            {
                continue;
            }
            MappingAccessException? error = null;
            if (!run.IsMapped || !run.Protection.HasFlag(MemoryProtection.Read))
            {
                try
                {
                    CheckAccessLocked(start, stop - start, MemoryProtection.Read);
                }
                catch (MappingAccessException refused)
                {
                    error = refused;
                }
            }
            if (error is null && runs.Count > 0 && runs[^1].Error is null && runs[^1].End == start)
            {
                runs[^1] = (runs[^1].Start, stop, null); // readable runs of different protections search as one
            }
            else
            {
                runs.Add((start, stop, error));
            }
        }
        return runs;
    }

    private IEnumerable<long> FindAll(byte[] needle, long offset, long end, IProgress<long>? progress, CancellationToken cancel, long searchedBefore = 0)
    {
        foreach ((long start, List<long> matches) in SearchBlocks(needle, offset, end, backwards: false, (start, window) =>
        {
            var matches = new List<long>();
            for (int from = 0, at; (at = window[from..].IndexOf(needle)) >= 0; from += at + 1)
            {
                matches.Add(start + from + at);
            }
            return matches;
        }, cancel))
        {
            foreach (long at in matches)
            {
                yield return at;
            }
            progress?.Report(searchedBefore + Math.Min(start + SearchBlockLength, end) - offset);
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

    private delegate T WindowSearch<T>(long start, ReadOnlySpan<byte> window);

    /// <summary>
    /// Runs <paramref name="search"/> over the window of every block of match starts in [offset, end),
    /// a few blocks at once on pool threads, and hands out (block start, result) in block order
    /// (descending if <paramref name="backwards"/>). A failed copy is rethrown when its block's turn
    /// comes; stopping the enumeration (or <paramref name="cancel"/>) waits for the blocks still in flight.
    /// </summary>
    private IEnumerable<(long Start, T Result)> SearchBlocks<T>(byte[] needle, long offset, long end, bool backwards, WindowSearch<T> search, CancellationToken cancel)
    {
        if (closed)
        {
            throw new MappingClosedException(Id, Describe()); // also when the range is too short to copy anything
        }
        long starts = end - offset - needle.Length + 1;
        long blocks = starts <= 0 ? 0 : (starts + SearchBlockLength - 1) / SearchBlockLength;
        int width = Math.Clamp(Environment.ProcessorCount + 1, 2, 8);
        var inFlight = new Queue<(long Start, Task<T> Result)>();
        long next = 0;
        try
        {
            while (next < blocks || inFlight.Count > 0)
            {
                while (next < blocks && inFlight.Count < width)
                {
                    cancel.ThrowIfCancellationRequested(); // before each block: a stop waits for at most the blocks in flight
                    long start = offset + (backwards ? blocks - 1 - next : next) * SearchBlockLength;
                    int length = (int)Math.Min(SearchBlockLength + needle.Length - 1, end - start);
                    inFlight.Enqueue((start, Task.Run(() => SearchWindow(start, length, search))));
                    next++;
                }
                (long done, Task<T> result) = inFlight.Dequeue();
                yield return (done, result.GetAwaiter().GetResult()); // rethrows a MappingAccessException as it was
            }
        }
        finally
        {
            foreach ((_, Task<T> abandoned) in inFlight)
            {
                // The search stopped before these blocks: nobody wants their results or errors.
                ((IAsyncResult)abandoned).AsyncWaitHandle.WaitOne();
            }
        }
    }

    private unsafe T SearchWindow<T>(long start, int length, WindowSearch<T> search)
    {
        if (readPath == AccessPath.Direct)
        {
            using UseScope use = EnterUse();
            CheckRange(start, length);
            CheckAccessLocked(start, length, MemoryProtection.Read);
            return search(start, new ReadOnlySpan<byte>((void*)(address + (nint)start), length)); // Direct: see MemoryMapping.Access.cs
        }
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Read(start, buffer.AsSpan(0, length));
            return search(start, buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
