using MemMap.Interop;
using Microsoft.Win32.SafeHandles;

namespace MemMap;

/// <summary>A file's pages in the kernel's page cache, without mapping the file.</summary>
public static partial class FileCache
{
    /// <summary>How much of the file one short-lived mapping covers while loading it (WillNeed).</summary>
    private const long LoadChunkLength = 1L << 30;

    /// <summary>
    /// Gives the kernel <paramref name="advice"/> for a file, or a range of it (posix_fadvise), and
    /// makes sure it did what the advice says: <see cref="FileAdvice.WillNeed"/> loads the whole
    /// range into the page cache before it returns, as <c>vmtouch -t</c> does (posix_fadvise alone
    /// stops at the device's read-ahead window), and <see cref="FileAdvice.DontNeed"/> evicts its
    /// clean pages and says, in <see cref="FileAdviceResult.Warning"/>, which pages stayed and why
    /// (a mapped page is never evicted). The file is opened read-only for the call and closed again.
    /// </summary>
    /// <param name="path">The file: a regular file the user can read.</param>
    /// <param name="advice">The advice.</param>
    /// <param name="offset">Start of the range in the file.</param>
    /// <param name="count">Bytes in the range; 0 means to the end of the file.</param>
    /// <param name="progress">Told how many bytes of the range are loaded so far (WillNeed), on the calling thread.</param>
    /// <param name="cancel">Stops a load between slices of 32 MiB (OperationCanceledException); what is loaded stays loaded.</param>
    /// <exception cref="ArgumentException">The path, advice or range is not valid, or the path is not a regular file.</exception>
    /// <exception cref="ProcessLimitException">Opening or loading the file would take the process's last file descriptors or memory areas.</exception>
    /// <exception cref="SystemCallException">open, fstat, posix_fadvise, mmap or madvise failed.</exception>
    public static FileAdviceResult Advise(string path, FileAdvice advice, long offset = 0, long count = 0, IProgress<long>? progress = null, CancellationToken cancel = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!Enum.IsDefined(advice))
        {
            throw new ArgumentException($"{advice} is not a file advice: use one of {string.Join(", ", Enum.GetNames<FileAdvice>())}.", nameof(advice));
        }
        if (offset < 0 || count < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"Offset {offset} with count {count} is not a range of a file: both must be 0 or more.");
        }
        string fullPath = System.IO.Path.GetFullPath(path);
        (SafeFileHandle file, Libc.FileStatus status) = RegularFile.OpenForReading(fullPath, "give file advice");
        using var owned = file;
        int fd = (int)file.DangerousGetHandle();
        // The whole pages of the range that lie inside the file: what the page cache holds of it.
        long pageSize = Environment.SystemPageSize;
        long start = Math.Min(offset - offset % pageSize, MemoryMapping.RoundUpToPage(status.Size));
        long end = MemoryMapping.RoundUpToPage(count == 0 || count > status.Size - offset ? status.Size : offset + count);
        end = Math.Max(start, end);
        bool measured = advice is FileAdvice.WillNeed or FileAdvice.DontNeed;
        long? before = measured ? FileResidency.ResidentPages(fd, start, end - start, fullPath) : null;
        if (advice == FileAdvice.WillNeed)
        {
            Load(file, start, end, fullPath, progress, cancel);
        }
        else
        {
            // posix_fadvise returns its error number instead of setting errno.
            int error = Libc.PosixFadvise(fd, offset, count, advice);
            if (error != 0)
            {
                throw Errno.Of(error, "posix_fadvise", $"{fullPath} (advice {advice})", errno => errno == Errno.EINVAL
                    ? $"The running kernel (Linux {MemoryMapping.KernelRelease()}) or the file system does not accept {advice} for this file."
                    : null);
            }
        }
        long? after = measured ? FileResidency.ResidentPages(fd, start, end - start, fullPath) : null;
        return new FileAdviceResult
        {
            Path = fullPath,
            Advice = advice,
            Offset = start,
            Count = end - start,
            PageSize = (int)pageSize,
            ResidentPagesBefore = before,
            ResidentPagesAfter = after,
            Warning = advice == FileAdvice.DontNeed && after > 0 ? StillCached(fullPath, status, start, end, after.Value) : null,
        };
    }

    /// <summary>
    /// Reads [start, end) (whole pages) into the page cache and waits for it: populate-read
    /// (MADV_POPULATE_READ, Linux 5.14+) through a short-lived read-only mapping, one chunk at a
    /// time, so nothing is copied and files larger than the address space work; where the kernel
    /// has no populate-read, reads the range (pread) into a scratch buffer instead.
    /// </summary>
    internal static void Load(SafeFileHandle file, long start, long end, string path, IProgress<long>? progress, CancellationToken cancel)
    {
        int fd = (int)file.DangerousGetHandle();
        if (Libc.Fstat(file, out Libc.FileStatus status) == 0)
        {
            end = Math.Min(end, MemoryMapping.RoundUpToPage(status.Size)); // pages past the current end have nothing to load
        }
        byte[]? scratch = null;
        for (long chunk = start; chunk < end; chunk += LoadChunkLength)
        {
            long length = Math.Min(LoadChunkLength, end - chunk);
            using (FileChunk mapped = FileChunk.Map(fd, chunk, length, path, $"load {path} into the page cache", "This file system does not support memory mapping."))
            {
                nint address = mapped.Address;
                for (long done = 0; done < length; done += MemoryMapping.SliceLength)
                {
                    cancel.ThrowIfCancellationRequested();
                    long slice = Math.Min(MemoryMapping.SliceLength, length - done);
                    if (scratch is null && Libc.Madvise(address + (nint)done, (nuint)slice, MappingAdvice.PopulateRead) != 0)
                    {
                        SystemCallException error = Errno.Last("madvise", $"{path} (populate-read to load it)", errno => errno == Errno.EFAULT
                            ? "The file became shorter while it was being loaded (truncated by another process?)."
                            : null);
                        if (error.Errno != Errno.EINVAL)
                        {
                            throw error;
                        }
                        scratch = new byte[MemoryMapping.SliceLength]; // no populate-read before Linux 5.14: read instead
                    }
                    if (scratch is not null)
                    {
                        // A short read ends the load quietly: the file got shorter, and there is no more to load.
                        _ = RandomAccess.Read(file, scratch.AsSpan(0, (int)slice), chunk + done);
                    }
                    progress?.Report(chunk + done + slice - start);
                }
            }
        }
    }

    /// <summary>Why <paramref name="after"/> pages of the range stayed cached after DontNeed, and what to do: the mappings of this session that hold them, or other processes.</summary>
    private static string StillCached(string path, Libc.FileStatus status, long start, long end, long after)
    {
        long pages = (end - start) / Environment.SystemPageSize;
        string stayed = $"{after} of the {pages} pages of {path} from offset {start} to {end - 1} stay in the page cache after DontNeed";
        string[] holders = [.. MappingRegistry.Live
            .Where(mapping => mapping.MapsFile(status, start, end))
            .Select(mapping => $"mapping {mapping.Id} ({mapping.Path})")];
        return holders.Length > 0
            ? $"{stayed}: {string.Join(", ", holders)} of this session {(holders.Length == 1 ? "maps" : "map")} them, and a mapped page is not evicted. Remove the mapping (Remove-MemoryMapping) or drop its pages (Set-MappingAdvice -Mapping … DontNeed), then evict again."
            : $"{stayed}: a page that a process has mapped is not evicted (another process maps them; lsof or fuser name it), nor a dirty page before it is written back (evict again after sync).";
    }
}
