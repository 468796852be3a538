using System.Runtime.InteropServices;

namespace MemMap.Interop;

internal static partial class Libc
{
    // Removes the name only: mappings of the object live on until they are unmapped.
    [LibraryImport("libc", EntryPoint = "shm_unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ShmUnlink(string name);
}
