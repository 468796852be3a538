namespace MemMap;

// Page ranges: the calls that act on whole pages (msync, mprotect, munmap, madvise, mlock2, munlock)
// widen, check and split their ranges here, so each refuses a bad offset or a hole the same way;
// ApplyToPages also counts the kernel-area splits of the calls that set flags on part of an area.
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
    /// Checks a request for whole pages (protect, unmap) without acting: an offset on a page boundary
    /// and a range inside <see cref="Length"/>. A cmdlet calls it before ShouldProcess, so that -WhatIf
    /// answers a request that would fail with its error; the operation checks again under the gate.
    /// </summary>
    /// <param name="offset">Start of the run.</param>
    /// <param name="count">Bytes in the run; null means to the end.</param>
    /// <param name="what">The operation, as the message names it ("Unmapping").</param>
    /// <returns>The pages the operation would act on.</returns>
    /// <exception cref="ArgumentException">The offset is not page-aligned, or the range is not inside the mapping.</exception>
    /// <exception cref="MappingClosedException">The mapping was removed.</exception>
    public ByteRange CheckWholePages(long offset, long? count, string what)
    {
        RequirePageAligned(offset, what);
        return PagesOf(offset, count);
    }

    /// <summary>Refuses an offset that is not on a page boundary, saying which one to use.</summary>
    internal void RequirePageAligned(long offset, string what)
    {
        if (offset % PageSize != 0)
        {
            throw new ArgumentException($"{what} applies to whole pages: offset {offset} is not a multiple of the {(IsHugePages ? $"huge page size of mapping {Id} ({PageSize} bytes, {HugePagePool.Describe(PageSize)})" : $"page size ({PageSize})")}. Use offset {offset - offset % PageSize}{(IsHugePages ? $" or {offset - offset % PageSize + PageSize}" : "")}.", nameof(offset));
        }
    }

    /// <summary>The range [offset, offset + count) widened to whole pages, checked against <see cref="Length"/>; a null count runs to the end. Call under the gate (a resize changes Length).</summary>
    internal (long Start, long Length) PageSpan(long offset, long? count)
    {
        long length = count ?? Math.Max(0, Length - offset);
        CheckRange(offset, length);
        long start = offset - offset % PageSize;
        long end = RoundUp(offset + length); // a null count ends at Length, so at MappedLength (Length rounded up)
        return (start, end - start);
    }

    /// <summary>
    /// The page runs a page-wide call acts on: every mapped segment when no range is given (offset 0,
    /// count null), holes skipped; else the range widened to whole pages, refused if it touches a
    /// hole. Call under the gate.
    /// </summary>
    internal IEnumerable<ByteRange> PageRunsLocked(long offset, long? count, string what)
    {
        (long start, long span) = PageSpan(offset, count);
        return offset == 0 && count is null ? pages.MappedSegments : [CheckMappedLocked(start, span, what)];
    }

    /// <summary>Refuses a page range that touches a hole; <paramref name="what"/> names the operation. Call under the gate.</summary>
    internal ByteRange CheckMappedLocked(long start, long length, string what)
    {
        if (pages.FirstDenying(start, length, MemoryProtection.None) is { } hole)
        {
            throw new MappingAccessException(Id, Math.Max(start, hole.Offset), MemoryProtection.None, MappingAccessFault.Unmapped,
                $"Cannot {what} mapping {Id} ({Describe()}) from offset {start} to {start + length - 1}: offsets {hole.Offset} to {hole.End - 1} were unmapped (Remove-MemoryMapping -Offset -Count). Give a range of pages that are still mapped.");
        }
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
