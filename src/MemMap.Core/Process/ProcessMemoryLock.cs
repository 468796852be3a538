using System.Globalization;
using MemMap.Interop;

namespace MemMap;

/// <summary>
/// Locks the whole process in RAM (mlockall) or unlocks it (munlockall): for keeping secrets out
/// of swap, or measuring without page faults. The kernel shows locked memory as VmLck in /proc/self/status.
/// </summary>
/// <remarks>
/// The host must not die. Without CAP_IPC_LOCK, locked memory is bounded by RLIMIT_MEMLOCK, and a
/// locked process keeps being charged for it: with MCL_FUTURE every mapping it makes from then on
/// (the runtime's new heap and code areas, thread stacks, glibc's 64 MiB malloc arenas, assemblies
/// loaded later) and, with MCL_CURRENT alone, every growth of a locked area (a thread's stack, a
/// block realloc moves with mremap) fails once the limit is reached — and the .NET runtime aborts
/// the process ("Out of memory.", exit 134) or it dies of SIGSEGV on its own stack. Under a finite
/// limit the limit then bounds the process's future address space exactly as RLIMIT_AS does, so
/// MemMap keeps the reserve it keeps under RLIMIT_AS (ProcessLimits): the lock is refused unless
/// the limit exceeds the process's present size (VmSize, which counts what mlockall charges) by
/// max(1 GiB, limit / 4). A .NET process reserves far more address space than it uses (its GC
/// alone reserves 256 GiB), so in practice an unprivileged process locks itself only with
/// RLIMIT_MEMLOCK unlimited; with CAP_IPC_LOCK (root) the limit does not apply and nothing is refused.
/// </remarks>
public static class ProcessMemoryLock
{
    /// <summary>CAP_IPC_LOCK's bit in the capability sets of /proc/self/status.</summary>
    private const int CapIpcLock = 14;

    /// <summary>
    /// Locks every page the process maps now (mlockall MCL_CURRENT) and, with <paramref name="future"/>,
    /// every page it maps from now on (MCL_FUTURE).
    /// </summary>
    /// <param name="future">Also lock future mappings (MCL_FUTURE).</param>
    /// <param name="onFault">Lock each page when it is first touched (MCL_ONFAULT) instead of faulting them all in now.</param>
    /// <exception cref="ProcessLimitException">RLIMIT_MEMLOCK is finite and too close to the process's size: the runtime's next allocation could fail and end the process.</exception>
    /// <exception cref="SystemCallException">The kernel refused; ENOMEM, EPERM and EAGAIN name RLIMIT_MEMLOCK and its current value.</exception>
    public static void Lock(bool future = false, bool onFault = false)
    {
        CheckLimit(future);
        Libc.LockAllFlags flags = Libc.LockAllFlags.Current
            | (future ? Libc.LockAllFlags.Future : 0)
            | (onFault ? Libc.LockAllFlags.OnFault : 0);
        if (Libc.Mlockall(flags) != 0)
        {
            throw Errno.Last("mlockall", "this process", errno => errno == Errno.EINVAL && onFault
                ? $"Locking on fault (MCL_ONFAULT) needs Linux 4.4 or later; this is Linux {MemoryMapping.KernelRelease()}. Lock without -OnFault."
                : MemoryMapping.LockAdvice(errno));
        }
    }

    /// <summary>
    /// Unlocks every page of the process (munlockall), those locked by <see cref="MemoryMapping.Lock"/>
    /// included, and ends the locking of future mappings. Unlocking a process that holds no lock does nothing.
    /// </summary>
    /// <exception cref="SystemCallException">The kernel refused.</exception>
    public static void Unlock()
    {
        if (Libc.Munlockall() != 0)
        {
            throw Errno.Last("munlockall", "this process");
        }
    }

    /// <summary>The bytes of the process locked in RAM now (VmLck in /proc/self/status).</summary>
    public static long LockedBytes => StatusKilobytes("VmLck:") * 1024;

    private static void CheckLimit(bool future)
    {
        long limit = ProcessLimits.SoftLimit(Libc.Resource.MemoryLock);
        if (limit == long.MaxValue || HasCapability(CapIpcLock))
        {
            return;
        }
        long reserve = Math.Max(1L << 30, limit / 4);
        long size = ProcessLimits.VirtualMemorySize();
        if (size > limit - reserve)
        {
            string charged = future
                ? "With -Future (MCL_FUTURE) every mapping the process makes from now on is locked and charged to that limit"
                : "Every growth of a locked area (a thread's stack, memory the runtime remaps) is charged to that limit";
            throw new ProcessLimitException("RLIMIT_MEMLOCK", size, limit, MappingRegistry.Live.Sum(mapping => mapping.MappedLength),
                $"Cannot lock the process's memory: its locked-memory limit RLIMIT_MEMLOCK is {limit} bytes (see 'ulimit -l') and the process maps {size} bytes (VmSize, which mlockall charges in full: .NET reserves far more address space than it uses). "
                + $"{charged}, so once it is reached the .NET runtime's next heap growth or thread fails and the session aborts. MemMap locks the process only where the limit exceeds its size by max(1 GiB, limit/4) = {reserve} bytes, the reserve it keeps under RLIMIT_AS. "
                + "Raise the limit (ulimit -l unlimited), run with CAP_IPC_LOCK, or lock only the mappings you need (Lock-MemoryMapping).");
        }
    }

    /// <summary>Whether the process holds <paramref name="capability"/> in its effective set (CapEff in /proc/self/status).</summary>
    private static bool HasCapability(int capability)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("CapEff:", StringComparison.Ordinal))
            {
                return (ulong.Parse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << capability)) != 0;
            }
        }
        return false;
    }

    private static long StatusKilobytes(string field)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(field.Length).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }
}
