using MemMap.Interop;
using Microsoft.Win32.SafeHandles;

namespace MemMap;

/// <summary>A file's pages in the kernel's page cache, without mapping the file.</summary>
public static partial class FileCache
{
    /// <summary>
    /// Gives the kernel <paramref name="advice"/> for a file, or a range of it (posix_fadvise):
    /// <see cref="FileAdvice.WillNeed"/> loads it into the page cache, <see cref="FileAdvice.DontNeed"/>
    /// evicts its clean pages. The file is opened read-only for the call and closed again.
    /// </summary>
    /// <param name="path">The file: a regular file the user can read.</param>
    /// <param name="advice">The advice.</param>
    /// <param name="offset">Start of the range in the file.</param>
    /// <param name="count">Bytes in the range; 0 means to the end of the file.</param>
    /// <exception cref="ArgumentException">The path, advice or range is not valid, or the path is not a regular file.</exception>
    /// <exception cref="ProcessLimitException">Opening the file would take the process's last file descriptors.</exception>
    /// <exception cref="SystemCallException">open, fstat or posix_fadvise failed.</exception>
    public static void Advise(string path, FileAdvice advice, long offset = 0, long count = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!Enum.IsDefined(advice))
        {
            throw new ArgumentException($"{advice} is not a file advice: use one of {string.Join(", ", Enum.GetNames<FileAdvice>())}.", nameof(advice));
        }
        if (offset < 0 || count < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"Offset {offset} with count {count} is not a range of a file: both must be 0 or more.");
        }
        string fullPath = System.IO.Path.GetFullPath(path);
        ProcessLimits.ReserveDescriptor(fullPath);
        // Non-blocking, so that a FIFO given by mistake is refused below instead of hanging in open.
        int fd = Libc.Open(fullPath, Libc.OpenFlags.ReadOnly | Libc.OpenFlags.CloseOnExec | Libc.OpenFlags.NonBlock, 0);
        if (fd < 0)
        {
            throw Errno.Last("open", fullPath, errno => errno switch
            {
                Errno.ENOENT => "The file does not exist: check the path.",
                Errno.EACCES or Errno.EPERM => "Reading the file is not allowed; file advice needs read access.",
                Errno.EMFILE => "This process has no file descriptor left: remove mappings you no longer need, or raise the limit (ulimit -n).",
                _ => null,
            });
        }
        using var file = new SafeFileHandle(fd, ownsHandle: true);
        if (Libc.Fstat(file, out Libc.FileStatus status) != 0)
        {
            throw Errno.Last("fstat", fullPath);
        }
        if (!status.IsRegularFile)
        {
            throw new ArgumentException($"{fullPath} is not a regular file; file advice applies to the page cache of regular files (Get-ChildItem -File).", nameof(path));
        }
        // posix_fadvise returns its error number instead of setting errno.
        int error = Libc.PosixFadvise(fd, offset, count, advice);
        if (error != 0)
        {
            throw Errno.Of(error, "posix_fadvise", $"{fullPath} (advice {advice})", errno => errno == Errno.EINVAL
                ? $"The running kernel (Linux {MemoryMapping.KernelRelease()}) or the file system does not accept {advice} for this file."
                : null);
        }
    }
}
