using MemMap.Interop;
using Microsoft.Win32.SafeHandles;

namespace MemMap;

/// <summary>
/// Opens a path that must be a regular file, for reading, in a way that can never wait: its type is
/// checked first (stat), so a FIFO, socket or device is refused without being opened, and the open
/// is non-blocking, so that one swapped in between the check and the open still returns at once
/// (and is refused by the fstat after it).
/// </summary>
internal static class RegularFile
{
    /// <summary>Opens <paramref name="fullPath"/> read-only; <paramref name="purpose"/> ("measure residency") says why in errors.</summary>
    /// <exception cref="ArgumentException">The path is not a regular file.</exception>
    /// <exception cref="ProcessLimitException">Opening it would take the process's last file descriptors.</exception>
    /// <exception cref="SystemCallException">open or fstat failed.</exception>
    internal static (SafeFileHandle File, Libc.FileStatus Status) OpenForReading(string fullPath, string purpose)
    {
        // A path stat cannot see (missing, not searchable) is left to open, whose error names it as users know it (open.ENOENT).
        if (Libc.Stat(fullPath, out Libc.FileStatus before) == 0)
        {
            RequireRegular(fullPath, before, purpose);
        }
        ProcessLimits.ReserveDescriptor(fullPath);
        int fd = Libc.Open(fullPath, Libc.OpenFlags.ReadOnly | Libc.OpenFlags.CloseOnExec | Libc.OpenFlags.NonBlock | Libc.OpenFlags.NoControllingTerminal, 0);
        if (fd < 0)
        {
            throw Errno.Last("open", fullPath, Advice);
        }
        var file = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            if (Libc.Fstat(file, out Libc.FileStatus status) != 0)
            {
                throw Errno.Last("fstat", fullPath);
            }
            RequireRegular(fullPath, status, purpose);
            return (file, status);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static void RequireRegular(string fullPath, Libc.FileStatus status, string purpose)
    {
        if (!status.IsRegularFile)
        {
            throw new ArgumentException($"{fullPath} is {status.Kind}, not a regular file; MemMap can only {purpose} for regular files, and opens nothing else (Get-ChildItem -File lists a folder's files, FIFOs included: leave those out).", nameof(fullPath));
        }
    }

    private static string? Advice(int errno) => errno switch
    {
        Errno.ENOENT => "The file does not exist: check the path.",
        Errno.EACCES or Errno.EPERM => "Reading the file is not allowed, and this needs it opened for reading.",
        Errno.EMFILE => "This process has no file descriptor left: remove mappings you no longer need, or raise the limit (ulimit -n).",
        _ => null,
    };
}
