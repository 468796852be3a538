using System.Runtime.CompilerServices;
using MemMap.Interop;

namespace MemMap;

/// <summary>
/// Counts the waiters on each futex word, so that a writer makes the FUTEX_WAKE system call only
/// when someone may be waiting: an atomic add then costs one more load, not a system call.
/// </summary>
/// <remarks>
/// Words are hashed into <see cref="Slots"/> counters; two words sharing a counter only cost a
/// wake nobody needed. Words of files and shared-memory objects are keyed by (device, inode, file
/// offset), the futex's own key, and counted in a shared-memory object of this user
/// (/dev/shm/memmap-waiters-UID), so a writer in another process sees this process's waiters.
/// Anonymous and private memory is keyed by address and counted in this process. The ordering: a
/// waiter counts itself, then reads the value; a writer writes, then reads the count; both sequentially
/// consistent, so either the waiter sees the new value or the writer sees the waiter. Where the
/// shared table cannot be used (no /dev/shm, another user's writer, the object truncated), writers
/// wake always, or waiters see the value at their next poll.
/// A waiter killed while waiting leaves its count up: writers of that slot then always wake, which
/// costs time, never correctness.
/// </remarks>
internal static unsafe class WaiterTable
{
    private const int Slots = 4096;
    private const int TableBytes = Slots * sizeof(int);

    private static readonly int[] Local = GC.AllocateArray<int>(Slots, pinned: true); // pinned: writers hand the native helper a counter's address
    private static readonly nint Shared = MapShared(SharedName);

    /// <summary>The shared table's POSIX shared-memory name: one per user, the same in every process and version of MemMap that user runs.</summary>
    internal static string SharedName => $"/memmap-waiters-{Libc.Getuid()}";

    /// <summary>The counter slot of <paramref name="key"/>: the top bits of a Fibonacci hash.</summary>
    private static int SlotOf(ulong key) => (int)((key * 0x9E3779B97F4A7C15UL) >> 52);

    /// <summary>Counts one waiter on <paramref name="key"/> (in the shared table when <paramref name="crossProcess"/>).</summary>
    internal static void Enter(bool crossProcess, ulong key) => Add(crossProcess, key, 1);

    /// <summary>Uncounts the waiter <see cref="Enter"/> counted.</summary>
    internal static void Leave(bool crossProcess, ulong key) => Add(crossProcess, key, -1);

    /// <summary>False only when no waiter can be waiting on <paramref name="key"/>.</summary>
    internal static bool MayHaveWaiters(bool crossProcess, ulong key)
    {
        int slot = SlotOf(key);
        if (!crossProcess)
        {
            return Volatile.Read(ref Local[slot]) != 0;
        }
        return Shared == 0
            || !GuardedCopy.Atomic(Shared + slot * sizeof(int), sizeof(int), AtomicOperation.Load, 0, 0, out ulong count)
            || count != 0;
    }

    /// <summary>
    /// The address of <paramref name="key"/>'s counter, for a writer's native call to read (GuardedCopy.Value),
    /// or 0 where there is no counter to read: then the writer wakes always.
    /// </summary>
    internal static nint CounterAddress(bool crossProcess, ulong key)
    {
        int slot = SlotOf(key);
        if (!crossProcess)
        {
            return (nint)Unsafe.AsPointer(ref Local[slot]);
        }
        return Shared == 0 ? 0 : Shared + slot * sizeof(int);
    }

    private static void Add(bool crossProcess, ulong key, int delta)
    {
        int slot = SlotOf(key);
        if (!crossProcess)
        {
            Interlocked.Add(ref Local[slot], delta);
        }
        else if (Shared != 0)
        {
            GuardedCopy.Atomic(Shared + slot * sizeof(int), sizeof(int), AtomicOperation.Add, (ulong)(uint)delta, 0, out _);
        }
    }

    /// <summary>Maps the shared table <paramref name="name"/> (created on first use, never unmapped), or returns 0 where that cannot be done.</summary>
    internal static nint MapShared(string name)
    {
        if (!GuardedCopy.IsAvailable)
        {
            return 0; // its counters could vanish under us: only the guarded atomics may touch them
        }
        int fd = Libc.ShmOpen(name, Libc.OpenFlags.ReadWrite | Libc.OpenFlags.Create | Libc.OpenFlags.CloseOnExec, 0b110_000_000);
        if (fd < 0)
        {
            return 0;
        }
        try
        {
            // Grow it, never shrink it: another process may be using it.
            if (Libc.Fstat(fd, out Libc.FileStatus status) != 0 || (status.Size < TableBytes && Libc.Ftruncate(fd, TableBytes) != 0))
            {
                return 0;
            }
            nint table = Libc.Mmap(0, TableBytes, MemoryProtection.ReadWrite, Libc.MapFlags.Shared, fd, 0);
            return table == Libc.MapFailed ? 0 : table;
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
