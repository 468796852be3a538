namespace MemMap;

// The one lock design, stated once:
// - A *use* (read, write, search, sync, advise, lock, residency) holds the gate shared for as long
//   as it touches the range: any number run at once.
// - A *change* (protect, resize, partial unmap, remove) holds the gate exclusively: it waits for
//   the uses in flight, and uses that start later wait for it. So no use ever sees a moved,
//   unmapped or half-reprotected range, and every use re-reads Address and the page map inside it.
// - After Dispose the gate stays usable: waiting uses wake up, see `closed` and throw
//   MappingClosedException. The gate is never re-entered on one thread (NoRecursion): core methods
//   that run under it call only the private *Locked helpers.
public sealed partial class MemoryMapping
{
    private readonly ReaderWriterLockSlim gate = new(LockRecursionPolicy.NoRecursion);
    private volatile bool closed;

    /// <summary>Enters the gate shared; throws <see cref="MappingClosedException"/> once the mapping is removed.</summary>
    internal UseScope EnterUse()
    {
        gate.EnterReadLock();
        if (closed)
        {
            gate.ExitReadLock();
            throw new MappingClosedException(Id, Describe());
        }
        return new UseScope(gate);
    }

    /// <summary>Enters the gate exclusively; throws <see cref="MappingClosedException"/> once the mapping is removed, unless asked not to.</summary>
    internal ChangeScope EnterChange(bool throwIfClosed = true)
    {
        gate.EnterWriteLock();
        if (closed && throwIfClosed)
        {
            gate.ExitWriteLock();
            throw new MappingClosedException(Id, Describe());
        }
        return new ChangeScope(gate);
    }

    internal readonly ref struct UseScope(ReaderWriterLockSlim gate)
    {
        public void Dispose() => gate.ExitReadLock();
    }

    internal readonly ref struct ChangeScope(ReaderWriterLockSlim gate)
    {
        public void Dispose() => gate.ExitWriteLock();
    }
}
