using System.Runtime.InteropServices;

namespace MemMap.Interop;

internal static partial class Libc
{
    /// <summary>mlock2(2) flags.</summary>
    [Flags]
    internal enum LockFlags : uint
    {
        None = 0,
        OnFault = 1, // MLOCK_ONFAULT: lock pages as they are first touched, instead of faulting them all in now
    }

    // NOTE: like mlock, fails with ENOMEM (EPERM when the limit is 0, EAGAIN when some pages could
    // not be locked) once RLIMIT_MEMLOCK would be exceeded; root (CAP_IPC_LOCK) is not limited.
    [LibraryImport("libc", EntryPoint = "mlock2", SetLastError = true)]
    internal static partial int Mlock2(nint address, nuint length, LockFlags flags);
}
