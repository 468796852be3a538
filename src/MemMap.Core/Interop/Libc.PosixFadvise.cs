using System.Runtime.InteropServices;

namespace MemMap.Interop;

internal static partial class Libc
{
    // POSIX_FADV_* values equal FileAdvice's (x86_64 and aarch64), so the public enum is passed through.
    // NOTE: returns the error number itself (0 on success) and leaves errno alone: no SetLastError.
    // A length of 0 means "to the end of the file".
    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    internal static partial int PosixFadvise(int fd, long offset, long length, FileAdvice advice);
}
