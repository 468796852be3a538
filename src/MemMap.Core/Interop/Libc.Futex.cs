using System.Runtime.InteropServices;

namespace MemMap.Interop;

internal static partial class Libc
{
    /// <summary>futex(2) operations MemMap uses.</summary>
    internal enum FutexOperation
    {
        Wait = 0,
        Wake = 1,
    }

    /// <summary>OR-ed into the operation for memory no other process maps: the kernel keys the word by address alone, not by page and file.</summary>
    internal const int FutexPrivateFlag = 128;

    /// <summary>struct timespec (two longs on x86_64 and aarch64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Timespec
    {
        internal long Seconds;
        internal long Nanoseconds;

        internal static Timespec From(TimeSpan span) => new() { Seconds = span.Ticks / TimeSpan.TicksPerSecond, Nanoseconds = span.Ticks % TimeSpan.TicksPerSecond * 100 };
    }

    // NOTE: glibc has no futex wrapper: it is syscall(SYS_futex, ...), a variadic call whose integer
    // arguments travel in the same registers as fixed ones on x86_64 and aarch64 Linux. The futex
    // word is 32 bits, 4-byte aligned. FUTEX_WAIT's timeout is relative (CLOCK_MONOTONIC).
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long Syscall(long number, nint word, int operation, int value, Timespec* timeout, nint word2, int value3);

    private static readonly long FutexNumber = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 98 : 202;

    /// <summary>Sleeps while the word at <paramref name="word"/> holds <paramref name="expected"/>, at most <paramref name="timeout"/>; 0 when woken, else -1 with errno (EAGAIN: the word differed, ETIMEDOUT, EINTR, EFAULT).</summary>
    internal static unsafe long FutexWait(nint word, uint expected, TimeSpan timeout, bool processPrivate)
    {
        Timespec time = Timespec.From(timeout);
        return Syscall(FutexNumber, word, (int)FutexOperation.Wait | (processPrivate ? FutexPrivateFlag : 0), (int)expected, &time, 0, 0);
    }

    /// <summary>Wakes every waiter on the word at <paramref name="word"/>; returns how many woke.</summary>
    internal static unsafe long FutexWake(nint word, bool processPrivate) =>
        Syscall(FutexNumber, word, (int)FutexOperation.Wake | (processPrivate ? FutexPrivateFlag : 0), int.MaxValue, null, 0, 0);
}
