namespace MemMap;

/// <summary>
/// One line of /proc/PID/maps: an address range of a process and what backs it (the <c>pmap</c> view);
/// with the page counts of /proc/PID/smaps when read in detail.
/// </summary>
/// <param name="Start">First address of the range.</param>
/// <param name="End">The address just past the range.</param>
/// <param name="Permissions">The kernel's four letters, such as <c>rw-s</c> (read, write, execute, shared or private).</param>
/// <param name="Offset">Offset into the backing file.</param>
/// <param name="Device">The backing file's device, as major:minor.</param>
/// <param name="Inode">The backing file's inode, 0 when none.</param>
/// <param name="Path">The backing file, a pseudo-name such as <c>[heap]</c>, or empty.</param>
public sealed record ProcessMemoryRegion(ulong Start, ulong End, string Permissions, long Offset, string Device, long Inode, string Path)
{
    /// <summary>Bytes in the range.</summary>
    public ulong Size => End - Start;

    /// <summary>The process whose range this is.</summary>
    public int ProcessId { get; init; }

    /// <summary>The id of the MemMap mapping of this session that the range belongs to, or null (always null for another process).</summary>
    public int? MappingId { get; init; }

    /// <summary>The range's protection, from <see cref="Permissions"/>.</summary>
    public MemoryProtection Protection =>
        (Permissions[0] == 'r' ? MemoryProtection.Read : 0)
        | (Permissions[1] == 'w' ? MemoryProtection.Write : 0)
        | (Permissions[2] == 'x' ? MemoryProtection.Execute : 0);

    /// <summary>True for MAP_SHARED ranges.</summary>
    public bool IsShared => Permissions[3] == 's';

    /// <summary>The page size of the range (smaps KernelPageSize): the huge page size for huge pages; null unless read in detail.</summary>
    public long? PageSize { get; init; }

    /// <summary>Bytes of the range in RAM (smaps Rss, plus its huge pages: Shared_Hugetlb and Private_Hugetlb); null unless read in detail.</summary>
    public long? Rss { get; init; }

    /// <summary>Proportional set size: resident bytes, each shared page divided among the processes that map it (smaps Pss).</summary>
    public long? Pss { get; init; }

    /// <summary>Resident bytes also mapped by other processes, unchanged since read (smaps Shared_Clean).</summary>
    public long? SharedClean { get; init; }

    /// <summary>Resident bytes also mapped by other processes, changed (smaps Shared_Dirty).</summary>
    public long? SharedDirty { get; init; }

    /// <summary>Resident bytes of this process only, unchanged (smaps Private_Clean).</summary>
    public long? PrivateClean { get; init; }

    /// <summary>Resident bytes of this process only, changed (smaps Private_Dirty).</summary>
    public long? PrivateDirty { get; init; }

    /// <summary>Bytes swapped out (smaps Swap).</summary>
    public long? Swap { get; init; }

    /// <summary>Bytes locked in RAM (smaps Locked).</summary>
    public long? Locked { get; init; }
}
