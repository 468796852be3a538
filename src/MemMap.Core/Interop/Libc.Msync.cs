using System.Runtime.InteropServices;

namespace MemMap.Interop;

internal static partial class Libc
{
    [Flags]
    internal enum MsyncFlags
    {
        Async = 1,
        Invalidate = 2,
        Sync = 4,
    }

    // NOTE: the address must be page-aligned (EINVAL otherwise); callers widen the range to pages.
    [LibraryImport("libc", EntryPoint = "msync", SetLastError = true)]
    internal static partial int Msync(nint address, nuint length, MsyncFlags flags);
}
