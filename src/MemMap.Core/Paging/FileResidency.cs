using MemMap.Interop;
using Microsoft.Win32.SafeHandles;

namespace MemMap;

/// <summary>
/// Page-cache residency of a file by path, leaving no mapping behind: the <c>fincore</c> job.
/// cachestat(2) (Linux 6.5+) counts cached, dirty, writeback and evicted pages without any mapping;
/// where it is missing, or when the runs of resident pages are wanted, the file is mapped read-only
/// for a moment, one chunk at a time (so files larger than RAM or the address space work), and
/// mincore reads the page map.
/// </summary>
public static class FileResidency
{
    /// <summary>Bytes mapped at once by the mincore fallback.</summary>
    private const long ChunkLength = 1L << 30;

    /// <summary>cachestat counts files at least twice this large in parallel parts, one per core.</summary>
    private const long ParallelPart = 256L << 20;

    /// <summary>Measures how much of the file at <paramref name="path"/> is in the page cache.</summary>
    /// <param name="path">A regular file; sparse and empty files work.</param>
    /// <param name="detailed">Also list the runs of resident pages (needs a temporary mapping and mincore).</param>
    /// <exception cref="ArgumentException">The path is not a regular file.</exception>
    /// <param name="cancel">Stops the measurement between chunks (OperationCanceledException).</param>
    /// <exception cref="SystemCallException">The file cannot be opened (ENOENT, EACCES…) or measured.</exception>
    public static MappingResidency Measure(string path, bool detailed = false, CancellationToken cancel = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = System.IO.Path.GetFullPath(path);
        (SafeFileHandle file, Libc.FileStatus status) = RegularFile.OpenForReading(fullPath, "measure residency");
        using (file)
        {
            return Measure(fullPath, (int)file.DangerousGetHandle(), status, detailed, cancel);
        }
    }

    private static MappingResidency Measure(string fullPath, int fd, Libc.FileStatus status, bool detailed, CancellationToken cancel)
    {
        int pageSize = Environment.SystemPageSize;
        long mappedLength = MemoryMapping.RoundUpToPage(status.Size);
        Libc.CacheStatus? cache = mappedLength == 0 ? null : Cachestat(fd, mappedLength, fullPath);
        long resident = (long)(cache?.Cached ?? 0);
        IReadOnlyList<ByteRange>? ranges = null;
        if (cache is null || detailed)
        {
            var counter = new ResidencyCounter(pageSize, detailed);
            for (long offset = 0; offset < mappedLength; offset += ChunkLength)
            {
                cancel.ThrowIfCancellationRequested();
                CountChunk(fd, offset, Math.Min(ChunkLength, mappedLength - offset), counter, fullPath);
            }
            resident = counter.ResidentPages;
            ranges = counter.Ranges;
        }
        return new MappingResidency
        {
            Path = fullPath,
            Length = status.Size,
            PageSize = pageSize,
            Pages = mappedLength / pageSize,
            ResidentPages = resident,
            DirtyPages = (long?)cache?.Dirty,
            WritebackPages = (long?)cache?.Writeback,
            EvictedPages = (long?)cache?.Evicted,
            RecentlyEvictedPages = (long?)cache?.RecentlyEvicted,
            ResidentRanges = ranges,
            Method = cache is null ? "mincore" : detailed ? "cachestat+mincore" : "cachestat",
        };
    }

    /// <summary>
    /// cachestat over the whole file, or null where the kernel has no cachestat for it. The kernel
    /// walks the page cache one folio at a time (about 50 ns each here): a 2 GiB file cached in
    /// 4 KiB folios takes 25 ms on one core, so a large file is split into one part per core, each
    /// counted by its own cachestat (the counts add up; the parts are disjoint).
    /// </summary>
    private static Libc.CacheStatus? Cachestat(int fd, long mappedLength, string path)
    {
        int parts = (int)Math.Clamp(mappedLength / ParallelPart, 1, Environment.ProcessorCount);
        long part = MemoryMapping.RoundUpToPage(mappedLength / parts);
        var others = new Task<Libc.CacheStatus?>[parts - 1];
        for (int i = 1; i < parts; i++)
        {
            ulong offset = (ulong)(i * part);
            ulong length = i == parts - 1 ? 0 : (ulong)part; // the last part runs to the end, however the file grew
            others[i - 1] = Task.Run(() => Cachestat(fd, offset, length, path));
        }
        Libc.CacheStatus? total;
        try
        {
            total = Cachestat(fd, 0, parts == 1 ? 0 : (ulong)part, path);
        }
        finally
        {
            // The parts use the descriptor: every one ends before the caller closes it, whatever happens.
            try
            {
                Task.WaitAll(others);
            }
            catch (AggregateException)
            {
                // rethrown below, as the part's own exception
            }
        }
        foreach (Task<Libc.CacheStatus?> other in others)
        {
            // GetResult rethrows a part's own exception, not an AggregateException.
            Libc.CacheStatus? counted = other.GetAwaiter().GetResult();
            total = total is not { } sum || counted is not { } more ? null : new Libc.CacheStatus
            {
                Cached = sum.Cached + more.Cached,
                Dirty = sum.Dirty + more.Dirty,
                Writeback = sum.Writeback + more.Writeback,
                Evicted = sum.Evicted + more.Evicted,
                RecentlyEvicted = sum.RecentlyEvicted + more.RecentlyEvicted,
            };
        }
        return total;
    }

    /// <summary>
    /// The pages of [offset, offset + length) (page-aligned) of the open file <paramref name="fd"/> that
    /// are in the page cache: cachestat, else mincore through short-lived mappings.
    /// </summary>
    internal static long ResidentPages(int fd, long offset, long length, string path)
    {
        if (length <= 0)
        {
            return 0;
        }
        if (Cachestat(fd, (ulong)offset, (ulong)length, path) is { } status)
        {
            return (long)status.Cached;
        }
        var counter = new ResidencyCounter(Environment.SystemPageSize, collectRanges: false);
        for (long chunk = offset; chunk < offset + length; chunk += ChunkLength)
        {
            CountChunk(fd, chunk, Math.Min(ChunkLength, offset + length - chunk), counter, path);
        }
        return counter.ResidentPages;
    }

    /// <summary>cachestat over one byte range (a length of 0: to the end), or null where the kernel has no cachestat for the file.</summary>
    private static Libc.CacheStatus? Cachestat(int fd, ulong offset, ulong length, string path)
    {
        if (Libc.Cachestat(fd, new Libc.CachestatRange { Offset = offset, Length = length }, out Libc.CacheStatus status) == 0)
        {
            return status;
        }
        SystemCallException error = Errno.Last("cachestat", path);
        return error.Errno is Errno.ENOSYS or Errno.EOPNOTSUPP or Errno.EPERM ? null : throw error;
    }

    /// <summary>Maps one chunk read-only, reads its page map, and unmaps it again, whatever happens.</summary>
    private static void CountChunk(int fd, long offset, long length, ResidencyCounter counter, string path)
    {
        using FileChunk chunk = FileChunk.Map(fd, offset, length, path, $"measure the residency of {path}",
            "This file system does not support memory mapping, and the kernel has no cachestat(2) (Linux 6.5+).");
        counter.AddMincore(chunk.Address, length, offset / Environment.SystemPageSize, path);
    }
}
