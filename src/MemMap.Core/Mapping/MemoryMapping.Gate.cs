using System.Runtime.CompilerServices;

namespace MemMap;

// The one lock design, stated once:
// - A *use* (read, write, search, sync, advise, lock, residency) holds the gate shared for as long
//   as it touches the range: any number run at once.
// - A *change* (protect, resize, partial unmap, remove) holds the gate exclusively: it waits for
//   the uses in flight, and uses that start later wait for it. So no use ever sees a moved,
//   unmapped or half-reprotected range, and every use re-reads Address and the page map inside it.
// - After Dispose the gate stays usable: waiting uses wake up, see `closed` and throw
//   MappingClosedException. The gate is never re-entered on one thread: core methods that run under
//   it call only the private *Locked helpers (a use started by the thread holding the change throws
//   LockRecursionException rather than wait for itself).
//
// Why not ReaderWriterLockSlim (which this replaced): a use is often an 8-byte read that costs less
// than the lock's own enter and exit (about 50 ns: a spin lock and per-thread reader counts).
//
// Two ways in, one rule. A thread's first use (the common case: one mapping at a time) is published
// in the thread's own record (ThreadUse) with a plain store, and ends with another: no atomic
// instruction, no shared cache line, so a read keeps its memory-level parallelism (a locked
// instruction waits for every load before it: two per read cost 15 ns on this machine, a third of
// an 8-byte read). A second use on the same thread (a copy between two mappings) is counted in
// gateState: one compare-and-swap in, one atomic decrement out.
// A change sets ChangeBit, then calls Interlocked.MemoryBarrierProcessWide (membarrier(2): every
// thread of the process passes a full barrier), then waits for the counted uses to drain and for
// every thread record that names this mapping to clear. The asymmetric handshake: a use stores its
// record, then reads gateState. If its read came before the change's bit, its store came before it
// too, and the process-wide barrier makes it visible to the change, which waits for it; if its read
// came after, it sees the bit, withdraws and waits as a counted use. So a use that meets no change
// costs two plain stores and a load, and a change pays a system call (microseconds; changes are
// rare). It relies on RyuJIT emitting volatile accesses in program order (it does not move memory
// accesses across them); the processor's store-to-load reordering is what the barrier closes.
// A counted use that meets no change never touches the monitor; a change waits on it for the
// counted uses and polls the thread records (a use is short, but can wait for the disk).
public sealed partial class MemoryMapping
{
    /// <summary>Set in <see cref="gateState"/> while a change holds the gate or waits for the uses in flight.</summary>
    private const int ChangeBit = 1 << 30;

    /// <summary>The number of uses in flight, plus <see cref="ChangeBit"/>.</summary>
    private int gateState;

    /// <summary>The thread holding the change, so that a use it starts fails instead of waiting forever.</summary>
    private int changer;

    /// <summary>Uses waiting for a change, and changes waiting for uses or for another change, wait on this monitor.</summary>
    private readonly object gateWaiters = new();
    private volatile bool closed;

    /// <summary>A thread's uncounted use: the mapping it is using, or none (see the comment at the top).</summary>
    internal sealed class ThreadUse
    {
        /// <summary>The <see cref="Id"/> of the mapping in use, or 0: written by its own thread only, read by changes. A number, not a reference: storing one needs no GC write barrier.</summary>
        internal int MappingId;

        /// <summary>Set once its thread has ended (by <see cref="ThreadUseOwner"/>), so that the record can be dropped.</summary>
        internal volatile bool Ended;
    }

    /// <summary>
    /// Holds a thread's record for as long as the thread lives: thread statics are released when
    /// their thread ends, and the finalizer marks the record. (Not Thread.IsAlive: loading the
    /// Thread type can need a file descriptor, and a use must work when none is left.)
    /// </summary>
    private sealed class ThreadUseOwner
    {
        internal readonly ThreadUse Record = new();

        ~ThreadUseOwner() => Record.Ended = true;
    }

    [ThreadStatic]
    private static ThreadUseOwner? threadUse;

    /// <summary>Every thread's record, for changes to look through; replaced, never changed in place, under <see cref="ThreadUsesLock"/>.</summary>
    private static ThreadUse[] threadUses = [];
    private static readonly object ThreadUsesLock = new();

    /// <summary>Enters the gate shared; throws <see cref="MappingClosedException"/> once the mapping is removed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // the uncounted way in, inline in every access; the rest out of line
    internal UseScope EnterUse()
    {
        ThreadUse? mine = threadUse?.Record;
        if (mine is not null && mine.MappingId == 0)
        {
            Volatile.Write(ref mine.MappingId, Id);
            // Stryker disable once Bitwise,Block : equivalent, `| ChangeBit` or an empty block withdraws the record and goes the counted way, which is correct and slower
            if ((Volatile.Read(ref gateState) & ChangeBit) == 0 && !closed)
            {
                return new UseScope(this, mine);
            }
            Volatile.Write(ref mine.MappingId, 0); // a change is under way, or done: go the counted way
        }
        return EnterUseOtherwise(mine);
    }

    /// <summary>A thread's first use, a second use on the thread, or a use that meets a change or a removed mapping.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private UseScope EnterUseOtherwise(ThreadUse? mine)
    {
        if (mine is null)
        {
            RegisterThread();
            return EnterUse();
        }
        int seen = Volatile.Read(ref gateState);
        // Stryker disable once Bitwise : equivalent, `seen | ChangeBit` sends every counted use to EnterUseSlowly, which takes it in the same way when no change holds the gate
        if ((seen & ChangeBit) != 0 || Interlocked.CompareExchange(ref gateState, seen + 1, seen) != seen)
        {
            EnterUseSlowly();
        }
        if (closed)
        {
            ExitUse();
            throw new MappingClosedException(Id, Describe());
        }
        return new UseScope(this, null);
    }

    private static ThreadUse RegisterThread()
    {
        ThreadUseOwner owner = new();
        lock (ThreadUsesLock)
        {
            threadUses = [.. threadUses.Where(record => !record.Ended), owner.Record];
        }
        threadUse = owner;
        return owner.Record;
    }

    /// <summary>How many thread records changes look through (for tests: records of ended threads are dropped).</summary>
    internal static int ThreadUseRecordCount => Volatile.Read(ref threadUses).Length;

    /// <summary>Waits until no thread's record names this mapping. Call with <see cref="ChangeBit"/> set, after the process-wide barrier.</summary>
    private void WaitForThreadUses()
    {
        foreach (ThreadUse record in Volatile.Read(ref threadUses))
        {
            SpinWait spin = default;
            while (Volatile.Read(ref record.MappingId) == Id)
            {
                // Stryker disable once Statement : equivalent, without it the change waits in a busy loop, which is correct and only wastes a core
                spin.SpinOnce(); // yields, then sleeps: a use is short, unless its page waits for the disk
            }
        }
    }

    private void EnterUseSlowly()
    {
        while (true)
        {
            int seen = Volatile.Read(ref gateState);
            if ((seen & ChangeBit) == 0)
            {
                if (Interlocked.CompareExchange(ref gateState, seen + 1, seen) == seen)
                {
                    return;
                }
                continue; // another use came or went: try again
            }
            if (Volatile.Read(ref changer) == Environment.CurrentManagedThreadId)
            {
                throw new LockRecursionException($"Mapping {Id}: a use was started by the thread that holds a change of the mapping.");
            }
            lock (gateWaiters)
            {
                if ((Volatile.Read(ref gateState) & ChangeBit) != 0)
                {
                    // Stryker disable once Statement : equivalent, without the wait the use polls the gate in a busy loop until the change is done, which is correct and only wastes a core
                    Monitor.Wait(gateWaiters);
                }
            }
        }
    }

    private void ExitUse()
    {
        if (Interlocked.Decrement(ref gateState) == ChangeBit)
        {
            lock (gateWaiters)
            {
                Monitor.PulseAll(gateWaiters); // the last use a waiting change waited for
            }
        }
    }

    /// <summary>Enters the gate exclusively; throws <see cref="MappingClosedException"/> once the mapping is removed, unless asked not to.</summary>
    internal ChangeScope EnterChange(bool throwIfClosed = true)
    {
        lock (gateWaiters)
        {
            // One change at a time: claim the bit, then wait for the uses in flight to leave.
            while (true)
            {
                int seen = Volatile.Read(ref gateState);
                if ((seen & ChangeBit) == 0)
                {
                    if (Interlocked.CompareExchange(ref gateState, seen | ChangeBit, seen) == seen)
                    {
                        break;
                    }
                }
                else
                {
                    Monitor.Wait(gateWaiters);
                }
            }
        }
        Interlocked.MemoryBarrierProcessWide(); // every use that missed ChangeBit is now visible in its thread's record
        WaitForThreadUses();
        lock (gateWaiters)
        {
            while (Volatile.Read(ref gateState) != ChangeBit)
            {
                // Stryker disable once Statement : equivalent, without the wait the change polls the count in a busy loop (the uses leave it without this lock), which is correct and only wastes a core
                Monitor.Wait(gateWaiters);
            }
            changer = Environment.CurrentManagedThreadId;
        }
        if (closed && throwIfClosed)
        {
            ExitChange();
            throw new MappingClosedException(Id, Describe());
        }
        return new ChangeScope(this);
    }

    private void ExitChange()
    {
        lock (gateWaiters)
        {
            changer = 0;
            Interlocked.Add(ref gateState, -ChangeBit);
            Monitor.PulseAll(gateWaiters);
        }
    }

    /// <summary>One use: uncounted when it holds its thread's record, else counted.</summary>
    internal readonly ref struct UseScope(MemoryMapping mapping, ThreadUse? record)
    {
        public void Dispose()
        {
            if (record is not null)
            {
                Volatile.Write(ref record.MappingId, 0); // release: the use's loads and stores come first
            }
            else
            {
                mapping.ExitUse();
            }
        }
    }

    internal readonly ref struct ChangeScope(MemoryMapping mapping)
    {
        public void Dispose() => mapping.ExitChange();
    }
}
