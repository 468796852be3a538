using System.Runtime.InteropServices;

namespace MemMap.Interop;

internal static partial class Libc
{
    // NOTE: unlocks every page of the process, those locked by mlock/mlock2 included, and ends MCL_FUTURE.
    [LibraryImport("libc", EntryPoint = "munlockall", SetLastError = true)]
    internal static partial int Munlockall();
}
