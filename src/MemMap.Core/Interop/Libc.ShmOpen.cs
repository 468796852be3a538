using System.Runtime.InteropServices;

namespace MemMap.Interop;

internal static partial class Libc
{
    // NOTE: in libc itself since glibc 2.34 (librt before). The name is "/something" with no
    // other slash; the object lives in /dev/shm. Takes the open(2) flags; the mode is masked by
    // the umask, so MemMap sets the exact mode with fchmod after creating.
    [LibraryImport("libc", EntryPoint = "shm_open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ShmOpen(string name, OpenFlags flags, int mode);
}
