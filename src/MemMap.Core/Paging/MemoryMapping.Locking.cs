using MemMap.Interop;

namespace MemMap;

// Locking (mlock2 / munlock): keep pages in RAM, never swapped or evicted.
public sealed partial class MemoryMapping
{
    /// <summary>
    /// Locks the whole mapping or a range of it in RAM (mlock2): its pages are faulted in now and
    /// never swapped out or evicted until unlocked or unmapped. Any range is accepted and widened
    /// to whole pages; without a range, holes left by a partial unmap are skipped, and a range
    /// that touches a hole is refused. The kernel shows locked memory as VmLck in /proc/self/status.
    /// </summary>
    /// <param name="offset">Start of the range, from the start of the mapping.</param>
    /// <param name="count">Bytes in the range; null means to the end of the mapping.</param>
    /// <param name="onFault">Lock each page only when it is first touched (MLOCK_ONFAULT) instead of faulting them all in now.</param>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the mapping.</exception>
    /// <exception cref="MappingAccessException">The range touches pages that were unmapped.</exception>
    /// <param name="cancel">Stops the lock between slices of <see cref="SliceLength"/> (faulting in a slow file takes a while); what this call locked is unlocked again.</param>
    /// <exception cref="SystemCallException">The kernel refused; ENOMEM, EPERM and EAGAIN name RLIMIT_MEMLOCK and its current value.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the range is left unlocked.</exception>
    public void Lock(long offset = 0, long? count = null, bool onFault = false, CancellationToken cancel = default)
    {
        Libc.LockFlags flags = onFault ? Libc.LockFlags.OnFault : Libc.LockFlags.None;
        var locked = new List<(nint At, long Length)>();
        ApplyToPages(offset, count, "lock", maySplitAreas: true, (at, length) =>
        {
            try
            {
                InSlices(at, length, (slice, sliceLength) =>
                {
                    if (Libc.Mlock2(slice, (nuint)sliceLength, flags) != 0)
                    {
                        throw Errno.Last("mlock2", Describe(), errno => errno == Errno.EINVAL && onFault
                            ? $"Locking on fault (MLOCK_ONFAULT) needs Linux 4.4 or later; this is Linux {KernelRelease()}. Lock without -OnFault."
                            : LockAdvice(errno));
                    }
                    locked.Add((slice, sliceLength));
                }, cancel);
            }
            catch (OperationCanceledException)
            {
                // Still under the gate: the slices are where this call locked them. Half a lock is no lock.
                foreach ((nint slice, long sliceLength) in locked)
                {
                    Libc.Munlock(slice, (nuint)sliceLength);
                }
                throw;
            }
        });
    }

    /// <summary>
    /// Unlocks the whole mapping or a range of it (munlock): the kernel may swap or evict its pages
    /// again. Unlocking pages that are not locked does nothing. Ranges are handled as by <see cref="Lock"/>.
    /// </summary>
    /// <param name="offset">Start of the range, from the start of the mapping.</param>
    /// <param name="count">Bytes in the range; null means to the end of the mapping.</param>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the mapping.</exception>
    /// <exception cref="MappingAccessException">The range touches pages that were unmapped.</exception>
    /// <exception cref="SystemCallException">The kernel refused.</exception>
    public void Unlock(long offset = 0, long? count = null) =>
        ApplyToPages(offset, count, "unlock", maySplitAreas: true, (at, length) =>
        {
            if (Libc.Munlock(at, (nuint)length) != 0)
            {
                throw Errno.Last("munlock", Describe());
            }
        });
}

// What is locked, as the kernel counts it: the Locked lines of /proc/self/smaps for this mapping's
// areas. The kernel is the one source that knows about -Locked, Lock-MemoryMapping, -OnFault pages
// touched since, resizes (mremap keeps the lock) and unmapped pages; a count kept here would not.
public sealed partial class MemoryMapping
{
    /// <summary>Bytes of this mapping held in RAM by a lock (Lock-MemoryMapping, New-MemoryMapping -Locked): smaps Locked of its areas; 0 for a removed mapping.</summary>
    public long LockedBytes => !IsOpen ? 0 : ProcessMemoryMap.Read(null, detailed: true)
        .Where(region => region.MappingId == Id)
        .Sum(region => region.Locked ?? 0);
}
