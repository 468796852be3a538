using System.Runtime.InteropServices;

namespace MemMap.Interop;

internal static partial class Libc
{
    /// <summary>mremap(2) flags.</summary>
    [Flags]
    internal enum RemapFlags
    {
        None = 0,
        MayMove = 1,
    }

    // NOTE: the old range must lie inside one kernel memory area (EFAULT otherwise), and like mmap
    // it returns MAP_FAILED (-1), not null, on failure. mremap is variadic in C; the fifth argument
    // (MREMAP_FIXED's new address) is never passed.
    [LibraryImport("libc", EntryPoint = "mremap", SetLastError = true)]
    internal static partial nint Mremap(nint oldAddress, nuint oldLength, nuint newLength, RemapFlags flags);
}
