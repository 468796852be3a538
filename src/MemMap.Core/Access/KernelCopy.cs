using System.Runtime.InteropServices;
using MemMap.Interop;

namespace MemMap;

/// <summary>
/// Copies between this process's mapped memory and a buffer through the kernel
/// (process_vm_readv/writev on our own pid). A page that would fault ends the copy early
/// instead of killing the process with SIGSEGV or SIGBUS.
/// </summary>
internal static class KernelCopy
{
    private static readonly int OwnPid = Environment.ProcessId;

    /// <summary>Copies <paramref name="count"/> bytes between <paramref name="mapped"/> and <paramref name="buffer"/>; returns how many were copied before a page refused.</summary>
    internal static unsafe long Copy(nint mapped, byte* buffer, long count, bool write)
    {
        long done = 0;
        while (done < count)
        {
            var bufferVector = new Libc.IoVector { Base = (nint)(buffer + done), Length = (nuint)(count - done) };
            var mappedVector = new Libc.IoVector { Base = mapped + (nint)done, Length = (nuint)(count - done) };
            nint copied = write
                ? Libc.ProcessVmWritev(OwnPid, &bufferVector, 1, &mappedVector, 1, 0)
                : Libc.ProcessVmReadv(OwnPid, &bufferVector, 1, &mappedVector, 1, 0);
            if (copied < 0 && Marshal.GetLastPInvokeError() != Errno.EFAULT)
            {
                throw Errno.Last(write ? "process_vm_writev" : "process_vm_readv", "this process's own memory", errno => errno is Errno.EPERM or Errno.ENOSYS
                    ? "The system forbids process_vm_readv/writev here (a seccomp filter?); MemMap needs them to access mapped memory without risking SIGBUS."
                    : null);
            }
            if (copied <= 0)
            {
                break; // EFAULT, or no progress: the page at buffer + done refused.
            }
            done += copied;
        }
        return done;
    }

    /// <summary>The most vectors one process_vm_writev takes (IOV_MAX).</summary>
    private const int MaxVectors = 1024;

    /// <summary>
    /// Writes <paramref name="count"/> bytes at <paramref name="mapped"/>, repeating the
    /// <paramref name="patternLength"/> bytes at <paramref name="pattern"/>: up to 1024 vectors per
    /// call all point at the one pattern, so each call fills up to 1024 patterns. Returns how many
    /// bytes were written before a page refused.
    /// </summary>
    internal static unsafe long Fill(nint mapped, long count, byte* pattern, int patternLength)
    {
        Libc.IoVector* sources = stackalloc Libc.IoVector[MaxVectors];
        long done = 0;
        while (done < count)
        {
            long chunk = Math.Min(count - done, (long)patternLength * MaxVectors);
            int vectors = (int)((chunk + patternLength - 1) / patternLength);
            for (int i = 0; i < vectors; i++)
            {
                sources[i] = new Libc.IoVector { Base = (nint)pattern, Length = (nuint)Math.Min(patternLength, chunk - (long)i * patternLength) };
            }
            var target = new Libc.IoVector { Base = mapped + (nint)done, Length = (nuint)chunk };
            nint written = Libc.ProcessVmWritev(OwnPid, sources, (nuint)vectors, &target, 1, 0);
            if (written < 0 && Marshal.GetLastPInvokeError() != Errno.EFAULT)
            {
                throw Errno.Last("process_vm_writev", "this process's own memory");
            }
            if (written <= 0)
            {
                break;
            }
            done += written;
        }
        return done;
    }
}
