using MemMap.Interop;

namespace MemMap;

/// <summary>
/// One live memory mapping. Every read and write is checked against the mapping's bounds and
/// page protection and then copied through the kernel, so no input and no change made by another
/// process (such as truncating the file) can make this process fault: each gets a typed exception.
/// Safe to use from several threads; <see cref="Dispose"/> unmaps once in-flight operations end.
/// </summary>
public sealed class MemoryMapping : IDisposable
{
    private const int CreateMode = 0b110_110_110; // 0666, less the umask, like any new file
    private readonly MappedRange range;
    private readonly object protectionLock = new();
    private ProtectionRegion[] protectionRegions;

    private MemoryMapping(MappedRange range, MappingKind kind, long length, long offset, string? path, MemoryProtection protection)
    {
        this.range = range;
        Kind = kind;
        Address = range.DangerousGetHandle();
        Length = length;
        Offset = offset;
        Path = path;
        protectionRegions = [new ProtectionRegion(0, range.Length, protection)];
        Id = MappingRegistry.Add(this);
    }

    /// <summary>The session-wide id of this mapping.</summary>
    public int Id { get; }

    /// <summary>Shared or private, file or anonymous.</summary>
    public MappingKind Kind { get; }

    /// <summary>Where the mapping starts in this process's address space.</summary>
    public nint Address { get; }

    /// <summary>The bytes requested. The kernel maps whole pages: see <see cref="MappedLength"/>.</summary>
    public long Length { get; }

    /// <summary>The bytes actually mapped: <see cref="Length"/> rounded up to whole pages. Bytes past the end of a file in its last page read as zero and are never written back.</summary>
    public long MappedLength => range.Length;

    /// <summary>The page size, the unit of protection, sync and residency.</summary>
    public int PageSize { get; } = Environment.SystemPageSize;

    /// <summary>Where in the file the mapping starts (0 for anonymous memory).</summary>
    public long Offset { get; }

    /// <summary>The full path of the mapped file, or null for anonymous memory.</summary>
    public string? Path { get; }

    /// <summary>True until the mapping is removed.</summary>
    public bool IsOpen => !range.IsClosed;

    /// <summary>True for MAP_SHARED mappings, whose writes other processes see.</summary>
    public bool IsShared => Kind is MappingKind.SharedFile or MappingKind.SharedAnonymous;

    /// <summary>The protection of the whole mapping when all its pages share one; otherwise the union of them (see <see cref="ProtectionRegions"/>).</summary>
    public MemoryProtection Protection => protectionRegions.Aggregate(MemoryProtection.None, (all, region) => all | region.Protection);

    /// <summary>The runs of pages that share one protection, in address order.</summary>
    public IReadOnlyList<ProtectionRegion> ProtectionRegions => protectionRegions;

    /// <summary>Maps a file (by default: all of it, shared, readable and writable).</summary>
    /// <exception cref="ArgumentException">The offset, length or file do not allow the mapping; the message says why.</exception>
    /// <exception cref="SystemCallException">open, fstat, ftruncate, mmap or mlock failed.</exception>
    public static MemoryMapping MapFile(string path, MappingOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new MappingOptions();
        ValidateOffsetAndProtection(options);
        if (options.Create && options.Length is null)
        {
            throw new ArgumentException("Create needs a Length: the file is created or extended to Offset + Length bytes.", nameof(options));
        }
        string fullPath = System.IO.Path.GetFullPath(path);
        bool shared = !options.Private;
        bool needsWrite = options.Create || (shared && options.Protection.HasFlag(MemoryProtection.Write));
        Libc.OpenFlags flags = Libc.OpenFlags.CloseOnExec
            | (needsWrite ? Libc.OpenFlags.ReadWrite : Libc.OpenFlags.ReadOnly)
            | (options.Create ? Libc.OpenFlags.Create : 0);

        int fd = Libc.Open(fullPath, flags, CreateMode);
        if (fd < 0)
        {
            throw Errno.Last("open", fullPath, errno => OpenAdvice(errno, needsWrite, options.Create));
        }
        try
        {
            if (Libc.Fstat(fd, out Libc.FileStatus status) != 0)
            {
                throw Errno.Last("fstat", fullPath);
            }
            if (!status.IsRegularFile)
            {
                throw new ArgumentException($"{fullPath} is not a regular file; MemMap maps regular files only.", nameof(path));
            }
            long length = FileMappingLength(fullPath, status.Size, options);
            if (options.Offset + length > status.Size && Libc.Ftruncate(fd, options.Offset + length) != 0)
            {
                throw Errno.Last("ftruncate", fullPath, errno => errno is Errno.ENOSPC or Errno.EFBIG
                    ? $"The file could not be extended to {options.Offset + length} bytes."
                    : null);
            }
            return Map(fd, fullPath, length, options, shared ? MappingKind.SharedFile : MappingKind.PrivateFile);
        }
        catch
        {
            Libc.Close(fd); // Map owns the descriptor only once it returns.
            throw;
        }
    }

    /// <summary>Maps zero-filled anonymous memory of <see cref="MappingOptions.Length"/> bytes (shared unless <see cref="MappingOptions.Private"/>).</summary>
    /// <exception cref="ArgumentException">The options do not describe anonymous memory; the message says why.</exception>
    /// <exception cref="SystemCallException">mmap or mlock failed.</exception>
    public static MemoryMapping MapAnonymous(MappingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateOffsetAndProtection(options);
        if (options.Offset != 0)
        {
            throw new ArgumentException($"Anonymous memory has no file to offset into; Offset must be 0, not {options.Offset}.", nameof(options));
        }
        if (options.Create)
        {
            throw new ArgumentException("Create applies to files; anonymous memory has no file to create.", nameof(options));
        }
        if (options.Length is not > 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Length, "Anonymous memory needs a Length greater than 0.");
        }
        return Map(-1, null, options.Length.Value, options, options.Private ? MappingKind.PrivateAnonymous : MappingKind.SharedAnonymous);
    }

    /// <summary>Reads <paramref name="count"/> bytes starting at <paramref name="offset"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the mapping.</exception>
    /// <exception cref="MappingAccessException">A page is not readable or no longer exists.</exception>
    /// <exception cref="MappingClosedException">The mapping was removed.</exception>
    public byte[] Read(long offset, int count)
    {
        CheckRange(offset, count);
        if (count > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"An array holds at most {Array.MaxLength} bytes: read mapping {Id} in parts of at most that many bytes.");
        }
        byte[] buffer = GC.AllocateUninitializedArray<byte>(count);
        Read(offset, buffer);
        return buffer;
    }

    /// <summary>Fills <paramref name="destination"/> with the bytes starting at <paramref name="offset"/>.</summary>
    /// <inheritdoc cref="Read(long, int)" path="/exception"/>
    public unsafe void Read(long offset, Span<byte> destination)
    {
        fixed (byte* buffer = destination)
        {
            Copy(offset, buffer, destination.Length, MemoryProtection.Read);
        }
    }

    /// <summary>Writes <paramref name="source"/> starting at <paramref name="offset"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the mapping.</exception>
    /// <exception cref="MappingAccessException">A page is not writable or no longer exists; bytes before <see cref="MappingAccessException.Offset"/> were written.</exception>
    /// <exception cref="MappingClosedException">The mapping was removed.</exception>
    public unsafe void Write(long offset, ReadOnlySpan<byte> source)
    {
        fixed (byte* buffer = source)
        {
            Copy(offset, buffer, source.Length, MemoryProtection.Write);
        }
    }

    /// <summary>
    /// Flushes changes to the file with msync. Any range is accepted and widened to whole pages.
    /// With <see cref="SyncMode.Synchronous"/> (the default) it returns once the data is on the file.
    /// </summary>
    /// <param name="offset">Start of the range, from the start of the mapping.</param>
    /// <param name="count">Bytes in the range; null means to the end of the mapping.</param>
    /// <param name="mode">Wait for the write-back, or only schedule it.</param>
    /// <param name="invalidate">Also invalidate other mappings of the same file (MS_INVALIDATE).</param>
    public void Sync(long offset = 0, long? count = null, SyncMode mode = SyncMode.Synchronous, bool invalidate = false)
    {
        (long start, long length) = PageSpan(offset, count);
        Libc.MsyncFlags flags = (mode == SyncMode.Synchronous ? Libc.MsyncFlags.Sync : Libc.MsyncFlags.Async)
            | (invalidate ? Libc.MsyncFlags.Invalidate : 0);
        nint address = Acquire();
        try
        {
            if (Libc.Msync(address + (nint)start, (nuint)length, flags) != 0)
            {
                throw Errno.Last("msync", Describe(), errno => errno == Errno.EIO ? "The file could not be written: check the disk and the file system." : null);
            }
        }
        finally
        {
            range.DangerousRelease();
        }
    }

    /// <summary>Changes the protection of the whole mapping or of a run of pages (mprotect).</summary>
    /// <param name="protection">The new protection.</param>
    /// <param name="offset">Start of the run: a multiple of <see cref="PageSize"/>.</param>
    /// <param name="length">Bytes in the run, rounded up to whole pages; null means to the end of the mapping.</param>
    public void Protect(MemoryProtection protection, long offset = 0, long? length = null)
    {
        ValidateProtection(protection);
        if (offset % PageSize != 0)
        {
            throw new ArgumentException($"Protection applies to whole pages: offset {offset} is not a multiple of the page size ({PageSize}). Use offset {offset - offset % PageSize}.", nameof(offset));
        }
        (long start, long span) = PageSpan(offset, length);
        nint address = Acquire();
        try
        {
            lock (protectionLock)
            {
                if (Libc.Mprotect(address + (nint)start, (nuint)span, protection) != 0)
                {
                    throw Errno.Last("mprotect", Describe(), errno => errno == Errno.EACCES && Kind == MappingKind.SharedFile && protection.HasFlag(MemoryProtection.Write)
                        ? "The file was opened read-only because the mapping was created without Write; map it with Write (or as private) to make it writable."
                        : null);
                }
                protectionRegions = WithProtection(protectionRegions, new ProtectionRegion(start, span, protection));
            }
        }
        finally
        {
            range.DangerousRelease();
        }
    }

    /// <summary>Unmaps the memory and closes the file. Operations in progress on other threads finish first; later ones get <see cref="MappingClosedException"/>.</summary>
    public void Dispose()
    {
        range.Dispose();
        MappingRegistry.Remove(Id);
    }

    /// <inheritdoc/>
    public override string ToString() => $"MemoryMapping {Id}: {Kind} {Describe()}, {Length} bytes at 0x{Address:x}";

    private string Describe() => Path ?? "anonymous memory";

    private static MemoryMapping Map(int fd, string? path, long length, MappingOptions options, MappingKind kind)
    {
        long mappedLength = RoundUpToPage(length);
        Libc.MapFlags flags = (options.Private ? Libc.MapFlags.Private : Libc.MapFlags.Shared)
            | (fd < 0 ? Libc.MapFlags.Anonymous : 0)
            | (options.Populate ? Libc.MapFlags.Populate : 0)
            | (options.NoReserve ? Libc.MapFlags.NoReserve : 0);
        string target = path ?? $"{length} bytes of anonymous memory";
        nint address = Libc.Mmap(0, (nuint)mappedLength, options.Protection, flags, fd, options.Offset);
        if (address == Libc.MapFailed)
        {
            throw Errno.Last("mmap", target, errno => errno switch
            {
                Errno.ENOMEM => "Not enough address space or memory: map less, or use NoReserve.",
                Errno.EACCES => "The file's open mode does not allow this protection.",
                Errno.ENODEV => "This file system does not support memory mapping.",
                _ => null,
            });
        }
        if (options.Locked && Libc.Mlock(address, (nuint)mappedLength) != 0)
        {
            SystemCallException error = Errno.Last("mlock", target, LockAdvice);
            Libc.Munmap(address, (nuint)mappedLength);
            throw error;
        }
        return new MemoryMapping(new MappedRange(address, mappedLength, fd), kind, length, options.Offset, path, options.Protection);
    }

    /// <summary>How many bytes of the file to map: the request checked against the file's size, so no page lies past its end.</summary>
    private static long FileMappingLength(string path, long fileSize, MappingOptions options)
    {
        long offset = options.Offset;
        if (options.Length is { } requested)
        {
            if (requested <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(options), requested, $"Length must be greater than 0, not {requested}.");
            }
            if (requested > long.MaxValue - offset - Environment.SystemPageSize)
            {
                throw new ArgumentOutOfRangeException(nameof(options), requested, $"Offset {offset} + Length {requested} overflows.");
            }
            if (options.Create || offset + requested <= fileSize)
            {
                return requested;
            }
        }
        else if (offset < fileSize)
        {
            return fileSize - offset;
        }
        // Pages past the end of a file raise SIGBUS when touched, so such mappings are refused.
        if (fileSize == 0)
        {
            throw new ArgumentException($"Cannot map the empty file {path}: give a Length and Create to extend it first.", nameof(options));
        }
        if (offset >= fileSize)
        {
            throw new ArgumentException($"Offset {offset} is at or past the end of {path} ({fileSize} bytes); use Create with a Length to extend the file.", nameof(options));
        }
        throw new ArgumentException($"Offset {offset} + Length {options.Length} reaches past the end of {path} ({fileSize} bytes): map at most {fileSize - offset} bytes, or use Create to extend the file.", nameof(options));
    }

    private static void ValidateOffsetAndProtection(MappingOptions options)
    {
        ValidateProtection(options.Protection);
        if (options.Offset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Offset, $"Offset must not be negative, not {options.Offset}.");
        }
        int pageSize = Environment.SystemPageSize;
        if (options.Offset % pageSize != 0)
        {
            throw new ArgumentException($"Offset {options.Offset} is not a multiple of the page size ({pageSize}): mmap maps whole pages. Map from offset {options.Offset - options.Offset % pageSize} and read from {options.Offset % pageSize} within it.", nameof(options));
        }
    }

    private static void ValidateProtection(MemoryProtection protection)
    {
        const MemoryProtection all = MemoryProtection.ReadWrite | MemoryProtection.Execute;
        if ((protection & ~all) != 0)
        {
            throw new ArgumentException($"{protection} is not a protection: combine None, Read, Write and Execute.", nameof(protection));
        }
    }

    private static string? OpenAdvice(int errno, bool write, bool create) => errno switch
    {
        Errno.ENOENT when !create => "The file does not exist: check the path, or use Create to make it.",
        Errno.EACCES or Errno.EPERM or Errno.EROFS when write => "Writing is not allowed: map it with Read protection only, or as private (copy-on-write).",
        Errno.EISDIR => "That is a directory; map a regular file.",
        _ => null,
    };

    private static string? LockAdvice(int errno) => errno is Errno.ENOMEM or Errno.EPERM or Errno.EAGAIN
        ? "Locking would exceed the locked-memory limit RLIMIT_MEMLOCK (see 'ulimit -l'): raise the limit or lock less."
        : null;

    private static long RoundUpToPage(long length)
    {
        long pageSize = Environment.SystemPageSize;
        return (length + pageSize - 1) / pageSize * pageSize;
    }

    /// <summary>Checks that [offset, offset + count) lies inside the mapping.</summary>
    private void CheckRange(long offset, long count)
    {
        if (offset < 0 || count < 0 || offset > MappedLength || count > MappedLength - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset,
                $"Mapping {Id} ({Describe()}) spans offsets 0 to {MappedLength - 1}; offset {offset} with count {count} is not inside it.");
        }
    }

    /// <summary>The range widened to whole pages, checked against the mapping.</summary>
    private (long Start, long Length) PageSpan(long offset, long? count)
    {
        long length = count ?? MappedLength - offset;
        CheckRange(offset, length);
        long start = offset - offset % PageSize;
        return (start, RoundUpToPage(offset + length) - start);
    }

    private unsafe void Copy(long offset, byte* buffer, int count, MemoryProtection access)
    {
        CheckRange(offset, count);
        nint address = Acquire();
        try
        {
            CheckProtection(offset, count, access);
            long copied = KernelCopy.Copy(address + (nint)offset, buffer, count, write: access == MemoryProtection.Write);
            if (copied < count)
            {
                throw KernelRefused(offset + copied, access);
            }
        }
        finally
        {
            range.DangerousRelease();
        }
    }

    private void CheckProtection(long offset, long count, MemoryProtection access)
    {
        foreach (ProtectionRegion region in protectionRegions)
        {
            if (region.End > offset && region.Offset < offset + count && (region.Protection & access) != access)
            {
                long at = Math.Max(offset, region.Offset);
                throw new MappingAccessException(Id, at, access, MappingAccessFault.Protection,
                    $"Cannot {Verb(access)} mapping {Id} ({Describe()}) at offset {at}: the page there is protected {region.Protection}. Change its protection to allow {access} first.");
            }
        }
    }

    /// <summary>Explains why the kernel stopped a copy at <paramref name="offset"/>, which the protection check allowed.</summary>
    private MappingAccessException KernelRefused(long offset, MemoryProtection access)
    {
        if (range.FileDescriptor >= 0 && Libc.Fstat(range.FileDescriptor, out Libc.FileStatus status) == 0
            && Offset + offset >= RoundUpToPage(status.Size))
        {
            return new MappingAccessException(Id, offset, access, MappingAccessFault.BeyondEndOfFile,
                $"Cannot {Verb(access)} mapping {Id} ({Describe()}) at offset {offset}: the file is now {status.Size} bytes long, so that page no longer exists (was it truncated by another process?). No byte at or past that offset was touched. Extend the file again, or remove the mapping and map the file anew.");
        }
        return new MappingAccessException(Id, offset, access, MappingAccessFault.Refused,
            $"Cannot {Verb(access)} mapping {Id} ({Describe()}) at offset {offset}: the kernel refused the access (EFAULT); the pages may have been unmapped or reprotected outside MemMap.");
    }

    private static string Verb(MemoryProtection access) => access == MemoryProtection.Write ? "write" : "read";

    /// <summary>Takes a reference on the range so it cannot be unmapped until the matching DangerousRelease.</summary>
    private nint Acquire()
    {
        bool added = false;
        try
        {
            range.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            throw new MappingClosedException(Id, Describe());
        }
        return range.DangerousGetHandle();
    }

    /// <summary>The regions with <paramref name="change"/> laid over them, neighbours of equal protection merged.</summary>
    private static ProtectionRegion[] WithProtection(ProtectionRegion[] regions, ProtectionRegion change)
    {
        var result = new List<ProtectionRegion>(regions.Length + 2);
        foreach (ProtectionRegion region in regions)
        {
            if (region.Offset < change.Offset)
            {
                result.Add(region with { Length = Math.Min(region.End, change.Offset) - region.Offset });
            }
            if (region.End > change.End)
            {
                long start = Math.Max(region.Offset, change.End);
                result.Add(region with { Offset = start, Length = region.End - start });
            }
        }
        result.Add(change);
        result.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        var merged = new List<ProtectionRegion>(result.Count);
        foreach (ProtectionRegion region in result)
        {
            if (merged.Count > 0 && merged[^1].Protection == region.Protection && merged[^1].End == region.Offset)
            {
                merged[^1] = merged[^1] with { Length = merged[^1].Length + region.Length };
            }
            else
            {
                merged.Add(region);
            }
        }
        return [.. merged];
    }
}
