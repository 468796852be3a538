using System.Runtime.InteropServices;

namespace MemMap.Interop;

internal static partial class Libc
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVector
    {
        internal nint Base;
        internal nuint Length;
    }

    // NOTE: used on our own pid, these copy through the kernel: a page that would fault (past the
    // end of a truncated file, PROT_NONE, read-only for a write, unmapped) ends the copy with a
    // short count or EFAULT instead of raising SIGSEGV/SIGBUS in this process.
    [LibraryImport("libc", EntryPoint = "process_vm_readv", SetLastError = true)]
    internal static unsafe partial nint ProcessVmReadv(int pid, IoVector* local, nuint localCount, IoVector* remote, nuint remoteCount, nuint flags);

    [LibraryImport("libc", EntryPoint = "process_vm_writev", SetLastError = true)]
    internal static unsafe partial nint ProcessVmWritev(int pid, IoVector* local, nuint localCount, IoVector* remote, nuint remoteCount, nuint flags);
}
