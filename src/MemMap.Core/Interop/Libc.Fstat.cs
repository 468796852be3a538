using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace MemMap.Interop;

internal static partial class Libc
{
    /// <summary>The fields of struct stat that MemMap needs: the size, st_mode (type and permission bits), and the device and inode that name the file (for /proc/locks and futex keys).</summary>
    internal readonly record struct FileStatus(long Size, int Mode, ulong Device = 0, ulong Inode = 0)
    {
        internal bool IsRegularFile => (Mode & S_IFMT) == S_IFREG;

        internal bool IsCharacterDevice => (Mode & S_IFMT) == S_IFCHR;
    }

    private const int S_IFMT = 0xF000;
    private const int S_IFREG = 0x8000;
    private const int S_IFCHR = 0x2000;

    // NOTE: struct stat differs between architectures: st_mode sits at byte 24 on x86_64 and at
    // byte 16 on aarch64 (asm-generic); st_size is at byte 48, st_dev at 0 and st_ino at 8 on both. Both structs fit in 256 bytes.
    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static unsafe partial int Fstat(int fd, byte* statBuffer);

    internal static unsafe int Fstat(int fd, out FileStatus status)
    {
        byte* buffer = stackalloc byte[256];
        int result = Fstat(fd, buffer);
        int modeOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 16;
        int mode = *(int*)(buffer + modeOffset);
        status = new FileStatus(Size: *(long*)(buffer + 48), Mode: mode, Device: *(ulong*)buffer, Inode: *(ulong*)(buffer + 8));
        return result;
    }

    /// <summary>fstat on a descriptor the caller keeps open for the duration (MemMap holds the mapping's gate).</summary>
    internal static int Fstat(SafeFileHandle file, out FileStatus status) => Fstat((int)file.DangerousGetHandle(), out status);
}
