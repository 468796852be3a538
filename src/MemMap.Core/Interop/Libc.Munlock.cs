using System.Runtime.InteropServices;

namespace MemMap.Interop;

internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "munlock", SetLastError = true)]
    internal static partial int Munlock(nint address, nuint length);
}
