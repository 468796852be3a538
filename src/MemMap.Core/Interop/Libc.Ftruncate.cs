using System.Runtime.InteropServices;

namespace MemMap.Interop;

internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    internal static partial int Ftruncate(int fd, long length);
}
