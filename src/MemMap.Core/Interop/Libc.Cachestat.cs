using System.Runtime.InteropServices;

namespace MemMap.Interop;

internal static partial class Libc
{
    /// <summary>cachestat(2)'s number: 451 on x86_64 and on aarch64 (asm-generic) alike.</summary>
    private const long SysCachestat = 451;

    /// <summary>struct cachestat_range: the byte range to count; a length of 0 means to the end of the file.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct CachestatRange
    {
        internal ulong Offset;
        internal ulong Length;
    }

    /// <summary>struct cachestat: page counts of the range.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct CacheStatus
    {
        internal ulong Cached;
        internal ulong Dirty;
        internal ulong Writeback;
        internal ulong Evicted;
        internal ulong RecentlyEvicted;
    }

    // NOTE: Linux 6.5 and later; older kernels fail with ENOSYS, and hugetlbfs files with
    // EOPNOTSUPP. glibc has no wrapper, so it goes through syscall(2).
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long Syscall(long number, int fd, CachestatRange* range, CacheStatus* status, uint flags);

    internal static unsafe int Cachestat(int fd, CachestatRange range, out CacheStatus status)
    {
        CacheStatus result;
        long code = Syscall(SysCachestat, fd, &range, &result, 0);
        status = result;
        return (int)code;
    }
}
