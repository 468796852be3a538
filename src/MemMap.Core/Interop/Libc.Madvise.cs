using System.Runtime.InteropServices;

namespace MemMap.Interop;

internal static partial class Libc
{
    // MADV_* values equal MappingAdvice's, so the public enum is passed straight through.
    // NOTE: the address must be page-aligned (EINVAL otherwise), and EINVAL also means "this
    // kernel does not know or allow that advice here": callers widen to pages and explain it.
    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    internal static partial int Madvise(nint address, nuint length, MappingAdvice advice);
}
