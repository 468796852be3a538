using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace MemMap.Interop;

internal static partial class Libc
{
    // NOTE: struct statvfs on 64-bit Linux (x86_64 and aarch64): eleven unsigned longs, then six ints
    // of padding; f_bavail (blocks free for unprivileged users) is the fifth long.
    [LibraryImport("libc", EntryPoint = "fstatvfs", SetLastError = true)]
    private static unsafe partial int Fstatvfs(SafeFileHandle fd, ulong* buffer);

    /// <summary>The blocks of the file's file system that are free for an unprivileged user, or null if unknown.</summary>
    internal static unsafe ulong? FreeBlocks(SafeFileHandle fd)
    {
        ulong* buffer = stackalloc ulong[16];
        return Fstatvfs(fd, buffer) == 0 ? buffer[4] : null;
    }
}
