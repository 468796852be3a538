using System.Runtime.InteropServices;

namespace MemMap.Interop;

internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    internal static partial int Munmap(nint address, nuint length);
}
