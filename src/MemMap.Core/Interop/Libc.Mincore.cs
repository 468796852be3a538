using System.Runtime.InteropServices;

namespace MemMap.Interop;

internal static partial class Libc
{
    // NOTE: one byte per page, bit 0 set when the page is resident. Since Linux 5.2 a file mapping
    // reports the page cache only when the caller could write (or owns) the file; otherwise only
    // the pages this process has touched (LWN 778437). The start must be page-aligned.
    [LibraryImport("libc", EntryPoint = "mincore", SetLastError = true)]
    internal static unsafe partial int Mincore(nint address, nuint length, byte* vector);
}
