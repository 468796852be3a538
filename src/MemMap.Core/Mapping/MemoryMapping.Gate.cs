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
// than the lock's own enter and exit (about 50 ns: a spin lock and per-thread reader counts). Here a
// use that meets no change is one compare-and-swap in and one atomic decrement out. A change sets
// ChangeBit, which makes new uses wait on the monitor, and waits there for the count to drain; the
// monitor is only touched when a change is involved, so a change waits for no lost wake-up.
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

    /// <summary>Enters the gate shared; throws <see cref="MappingClosedException"/> once the mapping is removed.</summary>
    internal UseScope EnterUse()
    {
        int seen = Volatile.Read(ref gateState);
        if ((seen & ChangeBit) != 0 || Interlocked.CompareExchange(ref gateState, seen + 1, seen) != seen)
        {
            EnterUseSlowly();
        }
        if (closed)
        {
            ExitUse();
            throw new MappingClosedException(Id, Describe());
        }
        return new UseScope(this);
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
            while (Volatile.Read(ref gateState) != ChangeBit)
            {
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

    internal readonly ref struct UseScope(MemoryMapping mapping)
    {
        public void Dispose() => mapping.ExitUse();
    }

    internal readonly ref struct ChangeScope(MemoryMapping mapping)
    {
        public void Dispose() => mapping.ExitChange();
    }
}
