using System.Runtime.InteropServices;

namespace MemMap.Interop;

internal static partial class Libc
{
    /// <summary>fcntl(2) commands for open-file-description locks (Linux 3.15+).</summary>
    internal enum LockCommand
    {
        OfdGetLock = 36,
        OfdSetLock = 37,
    }

    /// <summary>struct flock's l_type.</summary>
    internal enum LockType : short
    {
        Read = 0,
        Write = 1,
        Unlock = 2,
    }

    /// <summary>struct flock as x86_64 and aarch64 Linux lay it out (32 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct FileLockRequest
    {
        internal LockType Type;
        internal short Whence; // SEEK_SET: Start counts from the start of the file
        internal long Start;
        internal long Length;  // 0 means "to the end of the file, however far it grows"
        internal int ProcessId; // must be 0 for OFD locks
    }

    // NOTE: an OFD lock belongs to the open file description, not the process: it conflicts with
    // locks taken through any other description (in this process too), and only closing the last
    // descriptor of its own description (or the process dying) drops it. Conflict: EAGAIN.
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    internal static unsafe partial int Fcntl(int fd, LockCommand command, FileLockRequest* request);
}
