namespace MemMap;

// Page-range system calls that use the memory without moving it (madvise, mlock2, munlock):
// one place for widening to pages, skipping or refusing holes, and counting kernel-area splits.
public sealed partial class MemoryMapping
{
    /// <summary>
    /// The pages that hold [offset, offset + count): the range a page-wide call (sync, advice,
    /// lock) really acts on. A null count runs to the end of the mapping.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the mapping's <see cref="Length"/>.</exception>
    /// <exception cref="MappingClosedException">The mapping was removed.</exception>
    public ByteRange PagesOf(long offset, long? count = null)
    {
        using UseScope use = EnterUse();
        (long start, long length) = PageSpan(offset, count);
        return new ByteRange(start, length);
    }

    /// <summary>
    /// Calls <paramref name="apply"/> (address, length) on the pages of [offset, offset + count).
    /// With no range (offset 0, count null) it covers every mapped page, skipping holes; a range
    /// that touches a hole is refused, naming <paramref name="what"/>. An empty range does nothing.
    /// </summary>
    /// <param name="offset">Start of the range, from the start of the mapping.</param>
    /// <param name="count">Bytes in the range; null means to the end of the mapping.</param>
    /// <param name="what">The operation, as error messages name it ("lock").</param>
    /// <param name="maySplitAreas">The call sets flags on kernel memory areas (mlock, munlock, madvise that sets flags), so on part of an area the kernel splits it.</param>
    /// <param name="apply">The system call on one page-aligned run: address and length. It throws on failure.</param>
    private void ApplyToPages(long offset, long? count, string what, bool maySplitAreas, Action<nint, long> apply)
    {
        // The range is checked under the gate: a resize may change Length until it is entered.
        bool whole = offset == 0 && count is null;
        if (whole || !maySplitAreas)
        {
            // A use: any number of these run at once, with reads and writes.
            using UseScope use = EnterUse();
            if (count == 0)
            {
                _ = PageSpan(offset, count); // still refuses an offset past the end
                return; // widening nothing to a page would act on bytes nobody named
            }
            foreach (ByteRange range in PageRunsLocked(offset, count, what))
            {
                apply(address + (nint)range.Offset, range.Length);
            }
            return;
        }
        // A call on part of a kernel area may split it in up to three, and the page map counts
        // that (WithSplits, so ProcessLimits keeps vm.max_map_count in view). Changing the page map
        // needs the change gate, so this case holds it for the call too. That is the simplest
        // design that is correct: the count is made on the very map (and address) the call used,
        // and no resize or unmap can run between the call and the count. The cost is that reads
        // and writes of this mapping wait while a sub-range is locked or flag-advised (mlock
        // faults the pages in first); calls on the whole mapping never split and stay uses.
        // The split is counted before the call, since a call that fails half-way may have split.
        using ChangeScope change = EnterChange();
        (long partStart, long partSpan) = PageSpan(offset, count);
        if (count == 0)
        {
            return;
        }
        ByteRange part = CheckMappedLocked(partStart, partSpan, what);
        ProcessLimits.ReserveAreas(2, $"{what} part of mapping {Id}");
        ChangePages(pages.WithSplits(2));
        apply(address + (nint)part.Offset, part.Length);
    }

    /// <summary>
    /// How much one call that may wait for page-in (mlock, populate, msync) covers at a time: 32 MiB
    /// read from a slow disk (100 MB/s) takes a third of a second, so a cancellation (Ctrl+C) is
    /// seen within that. A multiple of every page size, huge pages included.
    /// </summary>
    internal const long SliceLength = 32L << 20;

    /// <summary>Calls <paramref name="call"/> on [at, at + length) in slices of <see cref="SliceLength"/> (at least one page), checking <paramref name="cancel"/> before each.</summary>
    /// <exception cref="OperationCanceledException">Cancelled: the slices before this one are done, the rest not.</exception>
    private void InSlices(nint at, long length, Action<nint, long> call, CancellationToken cancel)
    {
        long slice = Math.Max(SliceLength, PageSize); // both powers of two: whole pages of a 1 GiB huge page mapping too
        for (long done = 0; done < length; done += slice)
        {
            cancel.ThrowIfCancellationRequested();
            call(at + (nint)done, Math.Min(slice, length - done));
        }
    }
}
