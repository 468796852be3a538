using System.Runtime.InteropServices;

namespace MemMap.Interop;

internal static partial class Libc
{
    /// <summary>getrlimit(2) resources; the same numbers on x86_64 and aarch64 Linux.</summary>
    internal enum Resource
    {
        NumberOfFiles = 7,
        MemoryLock = 8,
        AddressSpace = 9,
    }

    /// <summary>struct rlimit: the soft (current) and hard limits.</summary>
    internal struct ResourceLimit
    {
        internal ulong Current;
        internal ulong Maximum;
    }

    /// <summary>RLIM_INFINITY: no limit.</summary>
    internal const ulong Unlimited = ulong.MaxValue;

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    internal static partial int Getrlimit(Resource resource, out ResourceLimit limit);
}
