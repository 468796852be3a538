using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MemMap.Interop;

namespace MemMap;

// Byte-range locks (Use-MappingLock), the one design and its failure modes:
// - Files and shared memory: an open-file-description lock (fcntl F_OFD_SETLK) on the matching
//   range of the file, taken through a description of its own (opened anew through
//   /proc/self/fd/N), one per holder. OFD locks conflict between descriptions, not processes, so
//   runspaces and threads of this process exclude each other as other processes do, and a holder's
//   lock is its own (classic POSIX locks would all belong to the process and vanish on any close).
// - Anonymous memory: no file to lock, and no other process can reach it: a table of held ranges in
//   this process, waited on with a monitor that every release and cancellation pulses (no poll).
// - Waiting for a file lock never blocks in the kernel: a conflict is retried with a short backoff
//   (1 ms doubling to MaxLockBackoff) rather than F_OFD_SETLKW, which no timeout or Ctrl+C could
//   interrupt without a signal; the backoff sleeps on the cancellation token, so Ctrl+C ends it at
//   once. Retrying is not fair: a holder that re-locks at once can win many rounds; every waiter
//   still gets its turn when the holder pauses.
// - Holder killed (even SIGKILL): the kernel closes its descriptions and drops its locks at once;
//   a waiter gets the lock at its next retry (within MaxLockBackoff).
// - Holder stopped (SIGSTOP) or hung: it still holds the lock; a waiter waits until its timeout.
//   A lock is never taken from a live holder.
// - File truncated under a lock: the lock stays (locks may cover bytes past the end of the file);
//   the holder's reads and writes of the lost pages are Access.BeyondEndOfFile errors.
// - Mapping removed while a lock is held (even by the block holding it): the lock belongs to its
//   own description, so it is released as usual when its holder ends.
// - Descriptions are reused: a released lock's description is unlocked (F_UNLCK) and kept for the
//   next holder of this mapping, so an uncontended lock + unlock is two fcntl calls, not an open and
//   a close too. Only one holder uses a description at a time; Dispose closes the idle ones.
// - Advisory: the lock excludes only those who ask for it. A plain write is never refused.
// - Re-entry: the same owner (a runspace, or a thread for core users) asking for a range that
//   overlaps one it holds on the same file would wait for itself: MappingLockRecursionException.
public sealed partial class MemoryMapping
{
    /// <summary>The longest pause between two tries for a lock another holder has: how late a waiter may notice that the lock was released.</summary>
    internal static readonly TimeSpan MaxLockBackoff = TimeSpan.FromMilliseconds(10);

    /// <summary>Every range lock this process holds; also the monitor that anonymous-memory waiters wait on.</summary>
    private static readonly List<MappingRangeLock> HeldLocks = [];

    /// <summary>Open file descriptions (opened for reading and writing) that no holder uses now; also their lock.</summary>
    private readonly Stack<int> idleDescriptions = new();

    /// <summary>
    /// Takes a byte-range lock on [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="count"/>)
    /// of the mapping (exclusive, or shared with <paramref name="shared"/>) and returns it; dispose it to release.
    /// </summary>
    /// <param name="offset">The first byte, from the start of the mapping.</param>
    /// <param name="count">How many bytes; null for the rest of the mapping.</param>
    /// <param name="shared">A read lock, which other read locks share; by default an exclusive (write) lock.</param>
    /// <param name="timeout">The longest to wait for a conflicting holder; null waits until cancelled.</param>
    /// <param name="owner">Who holds it, for the re-entry rule: locks of one owner must not overlap. Default: the current thread.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The range is empty or not inside the mapping.</exception>
    /// <exception cref="MappingTimeoutException">The time ran out; nothing is held.</exception>
    /// <exception cref="MappingLockRecursionException">The owner already holds an overlapping lock on this file or memory.</exception>
    /// <exception cref="SystemCallException">The file could not be opened or locked (an exclusive lock needs write access to it).</exception>
    /// <exception cref="MappingClosedException">The mapping was removed.</exception>
    public MappingRangeLock LockRange(long offset = 0, long? count = null, bool shared = false, TimeSpan? timeout = null, object? owner = null, CancellationToken cancellationToken = default)
    {
        owner ??= Thread.CurrentThread;
        MappingRangeLock held;
        using (UseScope use = EnterUse())
        {
            long length = count ?? Length - offset;
            CheckRange(offset, length);
            if (length == 0)
            {
                throw new ArgumentOutOfRangeException(nameof(count), 0, $"A lock covers at least one byte: give a Count of 1 or more (mapping {Id} holds {Length} bytes).");
            }
            if (file is null)
            {
                // Stryker disable once Boolean : equivalent, a lock without a description has none to reuse
                held = new MappingRangeLock(this, this, offset, length, shared, owner, descriptor: -1, reusable: false);
            }
            else
            {
                FileIdentity identity = FileIdentityLocked();
                (int fd, bool reusable) = TakeDescription(shared);
                held = new MappingRangeLock(this, identity, Offset + offset, length, shared, owner, fd, reusable);
            }
        }
        try
        {
            lock (HeldLocks)
            {
                if (HeldLocks.Find(other => other.Overlaps(held) && other.Owner == owner) is { } mine)
                {
                    throw new MappingLockRecursionException(Id,
                        $"This runspace already holds {(mine.IsShared ? "a shared" : "an exclusive")} lock on offsets {mine.Offset} to {mine.Offset + mine.Count - 1} of mapping {Id} ({Describe()}), which overlaps the range asked for: waiting for it would wait forever. Lock the whole range once, or lock ranges that do not overlap.");
                }
            }
            if (file is null)
            {
                AcquireInMemory(held, timeout, cancellationToken);
            }
            else
            {
                AcquireOnFile(held, timeout, cancellationToken);
            }
            return held;
        }
        catch
        {
            held.CloseDescription();
            throw;
        }
    }

    /// <summary>
    /// Takes a lock on anonymous memory: waits on HeldLocks until no held lock conflicts. A release
    /// and a cancellation both pulse it under that lock, and the waiter looks at the token and the
    /// table under it before it sleeps, so no pulse falls between its look and its sleep: no poll.
    /// </summary>
    private void AcquireInMemory(MappingRangeLock held, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        using CancellationTokenRegistration wake = cancellationToken.Register(PulseLockWaiters);
        lock (HeldLocks)
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!HeldLocks.Exists(other => other.Conflicts(held)))
                {
                    HoldLocked(held);
                    return;
                }
                Monitor.Wait(HeldLocks, TimeLeft(held, timeout, started) ?? Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>
    /// Takes a lock on the file: its holder may be another process, which cannot wake this one, so a
    /// conflict is retried after a pause that backs off (sleeping on the token: Ctrl+C ends it at once).
    /// </summary>
    private void AcquireOnFile(MappingRangeLock held, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        TimeSpan backoff = TimeSpan.FromMilliseconds(1);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            lock (HeldLocks)
            {
                if (TryLockFile(held))
                {
                    HoldLocked(held);
                    return;
                }
            }
            cancellationToken.WaitHandle.WaitOne(LockPause(TimeLeft(held, timeout, started), backoff));
            backoff = NextLockBackoff(backoff);
        }
    }

    /// <summary>Records a lock just taken as held. Call under HeldLocks.</summary>
    private static void HoldLocked(MappingRangeLock held)
    {
        HeldLocks.Add(held);
        held.MarkHeld();
    }

    /// <summary>What is left of <paramref name="timeout"/> since <paramref name="started"/>, or null without a time limit; the lock's timeout error when nothing is.</summary>
    /// <exception cref="MappingTimeoutException">The time ran out.</exception>
    private TimeSpan? TimeLeft(MappingRangeLock held, TimeSpan? timeout, long started)
    {
        TimeSpan? left = timeout - Stopwatch.GetElapsedTime(started);
        return left <= TimeSpan.Zero ? throw LockTimeout(held, timeout!.Value) : left;
    }

    private MappingTimeoutException LockTimeout(MappingRangeLock held, TimeSpan timeout) =>
        new(MappingTimeoutKind.Lock, Id, timeout,
            $"Waited {timeout.TotalSeconds:0.###} s for {(held.IsShared ? "a shared" : "an exclusive")} lock on offsets {held.Offset} to {held.Offset + held.Count - 1} of {Describe()} (mapping {Id}); another holder kept a conflicting lock. Get-MappingLock shows who holds it.");

    /// <summary>How long a file-lock waiter sleeps before its next try: its backoff, or the time left when that is shorter (null: no time limit).</summary>
    internal static TimeSpan LockPause(TimeSpan? left, TimeSpan backoff) => left < backoff ? left.Value : backoff;

    /// <summary>The backoff after <paramref name="backoff"/>: doubled, up to <see cref="MaxLockBackoff"/>.</summary>
    internal static TimeSpan NextLockBackoff(TimeSpan backoff) => backoff * 2 < MaxLockBackoff ? backoff * 2 : MaxLockBackoff;

    /// <summary>Wakes the anonymous-memory waiters, so that each looks at its token and the held locks again.</summary>
    private static void PulseLockWaiters()
    {
        lock (HeldLocks)
        {
            Monitor.PulseAll(HeldLocks);
        }
    }

    /// <summary>One F_OFD_SETLK try; false when another description holds a conflicting lock.</summary>
    private unsafe bool TryLockFile(MappingRangeLock held)
    {
        var request = new Libc.FileLockRequest { Type = held.IsShared ? Libc.LockType.Read : Libc.LockType.Write, Start = held.Offset, Length = held.Count };
        if (Libc.Fcntl(held.Descriptor, Libc.LockCommand.OfdSetLock, &request) == 0)
        {
            return true;
        }
        int errno = Marshal.GetLastPInvokeError();
        // Stryker disable once String : a message no test can reach: F_OFD_SETLK through a description this code opened (for writing when the lock is exclusive), on a range of the file, fails only on a conflict; EBADF, EINVAL or ENOLCK would need a closed descriptor, a bad range or a kernel out of memory
        return errno is Errno.EAGAIN or Errno.EACCES ? false : throw Errno.Of(errno, "fcntl(F_OFD_SETLK)", Describe());
    }

    /// <summary>An open file description of the mapped file for one holder's lock: an idle one, or a new one; and whether it may be reused (it is open for writing). Call under the gate.</summary>
    private (int Fd, bool Reusable) TakeDescription(bool shared)
    {
        lock (idleDescriptions)
        {
            if (idleDescriptions.TryPop(out int idle))
            {
                return (idle, true);
            }
        }
        string self = $"/proc/self/fd/{file!.DangerousGetHandle()}";
        int fd = Libc.Open(self, Libc.OpenFlags.ReadWrite | Libc.OpenFlags.CloseOnExec, 0);
        if (fd >= 0)
        {
            return (fd, true);
        }
        if (shared)
        {
            fd = Libc.Open(self, Libc.OpenFlags.ReadOnly | Libc.OpenFlags.CloseOnExec, 0); // a read lock needs only read access
        }
        return fd >= 0 ? (fd, false) : throw Errno.Last("open", Describe(), errno => errno switch
        {
            Errno.EACCES => "An exclusive lock needs the file open for writing, which this user may not: take a shared lock (-Shared).",
            Errno.EROFS => "An exclusive lock needs the file open for writing, and its file system is mounted read-only: take a shared lock (-Shared).",
            _ => null,
        });
    }

    /// <summary>Unlocks a released lock's description and keeps it for the next holder; closes it (which drops its lock) once the mapping is removed, or when unlocking fails.</summary>
    internal unsafe void ReturnDescription(int fd, long start, long count)
    {
        var request = new Libc.FileLockRequest { Type = Libc.LockType.Unlock, Start = start, Length = count };
        lock (idleDescriptions)
        {
            if (!closed && Libc.Fcntl(fd, Libc.LockCommand.OfdSetLock, &request) == 0)
            {
                idleDescriptions.Push(fd);
                return;
            }
        }
        Libc.Close(fd);
    }

    /// <summary>Closes the idle descriptions: called by Dispose, after the mapping is marked closed, so none is returned later.</summary>
    private void CloseIdleDescriptions()
    {
        lock (idleDescriptions)
        {
            while (idleDescriptions.TryPop(out int fd))
            {
                Libc.Close(fd);
            }
        }
    }

    /// <summary>A file's device and inode: the held-lock table's key, exact, so two mappings of one file share their locks and two files never do.</summary>
    private sealed record FileIdentity(ulong Device, ulong Inode);

    /// <summary>The mapped file's identity, read once (published whole: a reference is never torn); null until first needed.</summary>
    private FileIdentity? fileIdentity;

    /// <summary>The futex words' file key (WaitKeyLocked): the identity mixed into 8 bytes, kept beside it for the writers' hot path; 0 until first needed.</summary>
    private ulong fileKey;

    /// <summary>The mapped file's identity. Call under the gate.</summary>
    /// <exception cref="SystemCallException">fstat failed.</exception>
    // Stryker disable once NullCoalescing,String : equivalent, without the cached identity each call reads it again, the same; and the fstat of the mapping's own open descriptor cannot fail, so its message is never made
    private FileIdentity FileIdentityLocked() =>
        Volatile.Read(ref fileIdentity) ?? ReadFileIdentityLocked() ?? throw Errno.Last("fstat", Describe());

    /// <summary>The futex words' file key; a key two files share only costs a wake nobody needed, and one fstat could not give is 0 (read again next time). Call under the gate.</summary>
    // Stryker disable once Equality,Conditional : equivalent, a key read again each time, or never read (0), only changes which words share a waiter counter, for waiters and writers alike: at most a wake nobody needed
    private ulong FileKeyLocked() => fileKey != 0 ? fileKey : ReadFileKeyLocked(); // every shared file write asks: the fstat out of line

    // Stryker disable once Block,Statement : equivalent, without the fstat the key stays 0, which every file then shares: at most a wake nobody needed
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ulong ReadFileKeyLocked()
    {
        ReadFileIdentityLocked();
        return fileKey;
    }

    /// <summary>fstat of the mapped file: sets <see cref="fileIdentity"/> and <see cref="fileKey"/>; null, with errno set, when fstat fails.</summary>
    private FileIdentity? ReadFileIdentityLocked()
    {
        // Stryker disable once Block : unreachable, the fstat of the mapping's own open descriptor cannot fail
        if (Libc.Fstat(file!, out Libc.FileStatus status) != 0)
        {
            return null;
        }
        // Stryker disable once Arithmetic,Bitwise : equivalent, any mix of device and inode serves: waiters and writers compute the same one
        fileKey = status.Device * 0x100000001B3UL ^ status.Inode;
        var identity = new FileIdentity(status.Device, status.Inode);
        // Stryker disable once Statement : equivalent, without the cached identity each call reads it again, the same
        Volatile.Write(ref fileIdentity, identity);
        return identity;
    }

    /// <summary>Forgets a released lock and wakes the anonymous-memory waiters.</summary>
    internal static void Released(MappingRangeLock held)
    {
        lock (HeldLocks)
        {
            HeldLocks.Remove(held);
            Monitor.PulseAll(HeldLocks);
        }
    }

    /// <summary>The locks on the mapped file as /proc/locks lists them (every holder's, not only MemMap's); empty for anonymous memory, which has no file.</summary>
    /// <exception cref="MappingClosedException">The mapping was removed.</exception>
    public IReadOnlyList<FileLock> GetFileLocks()
    {
        FileIdentity identity;
        using (UseScope use = EnterUse())
        {
            if (file is null)
            {
                return [];
            }
            identity = FileIdentityLocked();
        }
        return FileLocks.Read(Describe(), identity.Device, identity.Inode);
    }
}
