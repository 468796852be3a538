namespace MemMap;

/// <summary>One line of /proc/PID/maps: an address range of a process and what backs it.</summary>
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
    public ulong Length => End - Start;

    /// <summary>The range's protection, from <see cref="Permissions"/>.</summary>
    public MemoryProtection Protection =>
        (Permissions[0] == 'r' ? MemoryProtection.Read : 0)
        | (Permissions[1] == 'w' ? MemoryProtection.Write : 0)
        | (Permissions[2] == 'x' ? MemoryProtection.Execute : 0);

    /// <summary>True for MAP_SHARED ranges.</summary>
    public bool IsShared => Permissions[3] == 's';
}
