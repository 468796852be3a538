using System.Runtime.InteropServices;

namespace MemMap.Interop;

internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    internal static partial int Mprotect(nint address, nuint length, MemoryProtection protection);
}
