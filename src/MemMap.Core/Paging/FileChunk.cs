using MemMap.Interop;

namespace MemMap;

/// <summary>
/// A chunk of a file mapped read-only and shared for a moment (residency's mincore fallback, the
/// WillNeed load), within the process's reserves of areas and address space; unmapped on Dispose.
/// </summary>
internal readonly struct FileChunk : IDisposable
{
    private FileChunk(nint address, long length) => (Address, Length) = (address, length);

    /// <summary>Where the chunk is mapped.</summary>
    public nint Address { get; }

    /// <summary>The chunk's bytes.</summary>
    public long Length { get; }

    /// <summary>Maps <paramref name="length"/> bytes of <paramref name="fd"/> from <paramref name="offset"/>.</summary>
    /// <param name="fd">The open file.</param>
    /// <param name="offset">Where the chunk starts in the file: a multiple of the page size.</param>
    /// <param name="length">The chunk's bytes.</param>
    /// <param name="path">The file, as errors name it.</param>
    /// <param name="purpose">What the mapping is for, as the reserve refusals name it ("load f into the page cache").</param>
    /// <param name="noMapping">The advice for a file system that cannot map (ENODEV).</param>
    public static FileChunk Map(int fd, long offset, long length, string path, string purpose, string noMapping)
    {
        ProcessLimits.ReserveAreas(1, purpose);
        ProcessLimits.ReserveAddressSpace(length, purpose);
        nint address = Libc.Mmap(0, (nuint)length, MemoryProtection.Read, Libc.MapFlags.Shared, fd, offset);
        return address == Libc.MapFailed
            ? throw Errno.Last("mmap", path, errno => errno == Errno.ENODEV ? noMapping : null)
            : new FileChunk(address, length);
    }

    /// <inheritdoc/>
    public void Dispose() => Libc.Munmap(Address, (nuint)Length);
}
