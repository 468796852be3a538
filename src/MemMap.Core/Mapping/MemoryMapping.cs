using Microsoft.Win32.SafeHandles;

namespace MemMap;

/// <summary>
/// One live memory mapping. Every read and write is checked against the mapping's bounds and
/// page protection and then copied by a path that cannot fault (MemoryMapping.Access.cs), so no
/// input and no change made by another process (such as truncating the file) can make this process
/// fault: each gets a typed exception.
/// Safe to use from several threads (see MemoryMapping.Gate.cs for the one lock design).
/// </summary>
/// <remarks>
/// Each capability lives in a partial-class file named after it (MemoryMapping.Create.cs,
/// MemoryMapping.Resize.cs, ...), in the folder of its layer: Mapping, Access, Paging, Synchronization.
/// </remarks>
public sealed partial class MemoryMapping : IDisposable
{
    /// <summary>The open file behind a file mapping, or null for anonymous memory.</summary>
    private readonly SafeFileHandle? file;

    /// <summary>Where the mapping starts; changes when a resize moves it. Read and written under the gate.</summary>
    private nint address;

    /// <summary>The state of every page: protection, or a hole left by a partial unmap. Replaced, never mutated.</summary>
    private PageMap pages;

    private MemoryMapping(nint address, long length, SafeFileHandle? file, bool regularFile, MappingKind kind, long offset, string? path, MemoryProtection protection, bool hugePages)
    {
        this.address = address;
        this.file = file;
        this.regularFile = regularFile;
        Kind = kind;
        Length = length;
        Offset = offset;
        Path = path;
        PageSize = hugePages ? (int)HugePagePool.PageSize : Environment.SystemPageSize;
        IsHugePages = hugePages;
        crossProcessWaits = file is not null && IsShared;
        pages = PageMap.Uniform(RoundUp(length), protection);
        directAccess = AllowsDirectAccess(kind) && !hugePages; // a huge page missing from the pool at first touch is a SIGBUS
        readPath = ChooseReadPath();
        writePath = ChooseWritePath();
        Id = MappingRegistry.Add(this);
    }

    /// <summary>The session-wide id of this mapping.</summary>
    public int Id { get; }

    /// <summary>Shared or private, file, anonymous or a POSIX shared-memory object.</summary>
    public MappingKind Kind { get; }

    /// <summary>Where the mapping starts in this process's address space. A resize may move it.</summary>
    public nint Address => address;

    /// <summary>The bytes the user mapped: every access is bounded by it. The kernel maps whole pages: see <see cref="MappedLength"/>.</summary>
    public long Length { get; private set; }

    /// <summary>
    /// The bytes actually mapped: <see cref="Length"/> rounded up to whole pages. The tail past
    /// <see cref="Length"/> is zero-filled by the kernel and never written back to a file, so MemMap
    /// neither reads nor writes it.
    /// </summary>
    public long MappedLength => pages.Length;

    /// <summary>
    /// The page size of this mapping, the unit of protection, partial unmap, sync, locking, advice
    /// and residency: the huge page size (Hugepagesize in /proc/meminfo) for a HugePages mapping.
    /// </summary>
    public int PageSize { get; }

    /// <summary>True for memory mapped with MAP_HUGETLB from the reserved pool: every range is in whole huge pages.</summary>
    public bool IsHugePages { get; }

    /// <summary>Where in the file the mapping starts (0 for anonymous memory).</summary>
    public long Offset { get; }

    /// <summary>The full path of the mapped file (or /dev/shm path of a shared-memory object), or null for anonymous memory.</summary>
    public string? Path { get; }

    /// <summary>True until the mapping is removed.</summary>
    public bool IsOpen => !closed;

    /// <summary>True for MAP_SHARED mappings, whose writes other processes see.</summary>
    public bool IsShared => Kind is MappingKind.SharedFile or MappingKind.SharedAnonymous or MappingKind.SharedMemory;

    /// <inheritdoc/>
    public override string ToString() => $"MemoryMapping {Id}: {Kind} {Describe()}, {Length} bytes at 0x{Address:x}";

    /// <summary>True while this mapping maps part of [start, end) of the file <paramref name="other"/> (the same device and inode).</summary>
    internal bool MapsFile(Interop.Libc.FileStatus other, long start, long end)
    {
        try
        {
            using UseScope use = EnterUse();
            return file is not null && Interop.Libc.Fstat(file, out Interop.Libc.FileStatus status) == 0 && status.IsSameFile(other)
                && Offset < end && Offset + MappedLength > start;
        }
        catch (MappingClosedException)
        {
            return false; // removed meanwhile: it holds nothing
        }
    }

    /// <summary>How errors name this mapping: its file, or what kind of memory it is.</summary>
    internal string Describe() => Path ?? "anonymous memory";

    /// <summary><paramref name="length"/> rounded up to whole pages of this mapping (<see cref="PageSize"/>).</summary>
    internal long RoundUp(long length) => (length + PageSize - 1) / PageSize * PageSize;

    internal static long RoundUpToPage(long length)
    {
        long pageSize = Environment.SystemPageSize;
        return (length + pageSize - 1) / pageSize * pageSize;
    }
}
