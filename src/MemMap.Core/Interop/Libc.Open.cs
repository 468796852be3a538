using System.Runtime.InteropServices;

namespace MemMap.Interop;

internal static partial class Libc
{
    /// <summary>open(2) flags; the same values on x86_64 and aarch64 Linux.</summary>
    [Flags]
    internal enum OpenFlags
    {
        ReadOnly = 0x0,
        ReadWrite = 0x2,
        Create = 0x40,
        Exclusive = 0x80,
        NoControllingTerminal = 0x100,
        NonBlock = 0x800,
        CloseOnExec = 0x80000,
    }

    // NOTE: open is variadic in C; passing the mode as a plain int is what the Linux x86_64 and
    // aarch64 calling conventions expect for an integer vararg.
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, OpenFlags flags, int mode);
}
