using System.Runtime.InteropServices;

namespace MemMap.Interop;

internal static partial class Libc
{
    /// <summary>mmap(2) flags; the same values on x86_64 and aarch64 Linux.</summary>
    [Flags]
    internal enum MapFlags
    {
        Shared = 0x01,
        Private = 0x02,
        Anonymous = 0x20,
        NoReserve = 0x4000,
        Populate = 0x8000,
        HugeTlb = 0x40000,
        FixedNoReplace = 0x100000, // Linux 4.17+; older kernels ignore it and treat the address as a hint.
    }

    /// <summary>What mmap returns on failure (NOTE: not null).</summary>
    internal static readonly nint MapFailed = -1;

    // PROT_* values equal MemoryProtection's, so the public enum is passed straight through.
    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    internal static partial nint Mmap(nint address, nuint length, MemoryProtection protection, MapFlags flags, int fd, long offset);
}
