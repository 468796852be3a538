using System.Runtime.InteropServices;

namespace MemMap.Interop;

internal static partial class Libc
{
    // NOTE: fails with ENOMEM (or EPERM when the limit is 0) once RLIMIT_MEMLOCK would be exceeded.
    [LibraryImport("libc", EntryPoint = "mlock", SetLastError = true)]
    internal static partial int Mlock(nint address, nuint length);
}
