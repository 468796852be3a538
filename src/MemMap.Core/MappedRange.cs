using System.Runtime.InteropServices;
using MemMap.Interop;

namespace MemMap;

/// <summary>
/// Owns one mapped address range and the file descriptor behind it. Every operation holds a
/// reference while it touches the range, so munmap (and close) run only after the last one ends:
/// an unmap can never race a read on another thread.
/// </summary>
internal sealed class MappedRange : SafeHandle
{
    internal MappedRange(nint address, long length, int fileDescriptor)
        : base(invalidHandleValue: 0, ownsHandle: true)
    {
        SetHandle(address);
        Length = length;
        FileDescriptor = fileDescriptor;
    }

    /// <summary>The mapped length in bytes: whole pages.</summary>
    internal long Length { get; }

    /// <summary>The open file behind a file mapping, or -1 for anonymous memory.</summary>
    internal int FileDescriptor { get; }

    public override bool IsInvalid => handle == 0 || handle == Libc.MapFailed;

    protected override bool ReleaseHandle()
    {
        bool unmapped = Libc.Munmap(handle, (nuint)Length) == 0;
        if (FileDescriptor >= 0)
        {
            Libc.Close(FileDescriptor);
        }
        return unmapped;
    }
}
