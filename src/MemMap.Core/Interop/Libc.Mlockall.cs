using System.Runtime.InteropServices;

namespace MemMap.Interop;

internal static partial class Libc
{
    /// <summary>mlockall(2) flags; the same numbers on x86_64 and aarch64 Linux.</summary>
    [Flags]
    internal enum LockAllFlags
    {
        Current = 1, // MCL_CURRENT: every page mapped now
        Future = 2,  // MCL_FUTURE: every page mapped from now on
        OnFault = 4, // MCL_ONFAULT (Linux 4.4+): lock each page when first touched, instead of faulting them all in now
    }

    // NOTE: without CAP_IPC_LOCK, MCL_CURRENT fails with ENOMEM when the process's whole address
    // space (VmSize, reservations included) exceeds RLIMIT_MEMLOCK, and EPERM when that limit is 0.
    [LibraryImport("libc", EntryPoint = "mlockall", SetLastError = true)]
    internal static partial int Mlockall(LockAllFlags flags);
}
