using System.Runtime.InteropServices;

namespace MemMap.Interop;

internal static partial class Libc
{
    // The same struct stat as fstat (see Libc.Fstat.cs); stat follows symbolic links, as open does.
    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Stat(string path, byte* statBuffer);

    /// <summary>stat(2): the type of a path before it is opened, so that opening never waits on a FIFO or wakes a device.</summary>
    internal static unsafe int Stat(string path, out FileStatus status)
    {
        byte* buffer = stackalloc byte[256];
        int result = Stat(path, buffer);
        status = FileStatus.From(buffer);
        return result;
    }
}
