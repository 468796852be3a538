using System.Runtime.InteropServices;

namespace MemMap.Interop;

internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "getuid")]
    internal static partial uint Getuid();
}
