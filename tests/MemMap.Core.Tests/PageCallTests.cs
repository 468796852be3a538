using System.Reflection;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>
/// The page-range checks that sync, protect, unmap, advice and locking share (MemoryMapping.PageCalls.cs),
/// on real mappings: an unaligned offset is refused before anything is done, a zero count acts on no page,
/// a call on part of a kernel area counts the areas the kernel splits off, and a call longer than a slice
/// covers exactly its range. Locks are taken here, so this runs with the other tests that read VmLck.
/// </summary>
[Collection(nameof(LockedMemory))]
public sealed class PageCallTests
{
    private static readonly int Page = Environment.SystemPageSize;

    /// <summary>MemMap's count of the kernel areas the mapping takes (ProcessLimits adds it up against vm.max_map_count).</summary>
    private static int AreaEstimate(MemoryMapping mapping) =>
        ((PageMap)typeof(MemoryMapping).GetField("pages", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(mapping)!).AreaEstimate;

    [Fact]
    public void CheckWholePages_refuses_an_offset_inside_a_page_naming_the_boundary_below_it_and_answers_the_pages_of_an_aligned_one()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 4 * Page, Private = true });

        var inside = Assert.Throws<ArgumentException>(() => mapping.CheckWholePages(2 * Page + 10, Page, "Unmapping"));

        Assert.Equal($"Unmapping applies to whole pages: offset {2 * Page + 10} is not a multiple of the page size ({Page}). Use offset {2 * Page}. (Parameter 'offset')", inside.Message);
        Assert.Equal(new ByteRange(Page, 2 * Page), mapping.CheckWholePages(Page, Page + 1, "Unmapping"));
        Assert.Equal(new ByteRange(2 * Page, 2 * Page), mapping.CheckWholePages(2 * Page, null, "Protection"));
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.CheckWholePages(5 * Page, 0, "Unmapping"));
        Assert.Empty(mapping.UnmappedRanges); // a check, not the operation
    }

    [Fact]
    public void A_zero_count_inside_a_page_drops_or_unlocks_nothing_and_past_the_end_is_still_refused()
    {
        // Private anonymous memory: DontNeed on a page of it really drops the data (the page reads as zeros after).
        using MemoryMapping data = MemoryMapping.MapAnonymous(new MappingOptions { Length = 2 * Page, Private = true });
        data.Write(0, "kept"u8);

        data.Advise(MappingAdvice.DontNeed, 10, 0); // widened to a page, it would drop page 0

        Assert.Equal("kept"u8.ToArray(), data.Read(0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Advise(MappingAdvice.DontNeed, 2 * Page + 1, 0));

        using MemoryMapping locked = MemoryMapping.MapAnonymous(new MappingOptions { Length = 2 * Page, Private = false });
        locked.Lock();

        locked.Unlock(10, 0); // widened to a page, it would unlock page 0 and split the area

        Assert.Equal(2 * Page, locked.LockedBytes);
        Assert.Single(MapsFile.RegionsOf(locked));
        Assert.Equal(1, AreaEstimate(locked));
        Assert.Throws<ArgumentOutOfRangeException>(() => locked.Unlock(2 * Page + 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => locked.Lock(2 * Page + 1, 0));
        locked.Unlock();
    }

    /// <summary>
    /// mlock, munlock and advice that sets area flags split the kernel area they act on part of, and MemMap counts up to two
    /// more areas for each such call (never fewer than the kernel shows); a call on the whole mapping, or advice that only
    /// drops or reads pages, splits nothing and counts nothing.
    /// </summary>
    [Fact]
    public void A_lock_or_flag_advice_on_part_of_a_mapping_counts_the_areas_the_kernel_splits_off_and_a_whole_call_or_dropping_advice_counts_none()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 8 * Page, Private = false });

        mapping.Lock();
        mapping.Unlock();
        mapping.Advise(MappingAdvice.DontNeed, Page, Page);
        mapping.Advise(MappingAdvice.WillNeed, 2 * Page, Page);

        Assert.Single(MapsFile.RegionsOf(mapping));
        Assert.Equal(1, AreaEstimate(mapping));

        mapping.Lock(0, Page); // from offset 0, with a count: part of the area

        Assert.Equal(2, MapsFile.RegionsOf(mapping).Count);
        Assert.Equal(3, AreaEstimate(mapping));

        mapping.Lock(4 * Page); // from an offset to the end: locked, unlocked, locked
        mapping.Advise(MappingAdvice.Random, 2 * Page, Page); // sets VM_RAND_READ on one page of the unlocked middle

        Assert.Equal(5, MapsFile.RegionsOf(mapping).Count);
        Assert.Equal(7, AreaEstimate(mapping));
        Assert.Equal(5 * Page, mapping.LockedBytes);
        mapping.Unlock();
    }

    /// <summary>
    /// A lock longer than <see cref="MemoryMapping.SliceLength"/> is made in slices, and together they cover exactly the
    /// range's pages: with MLOCK_ONFAULT no page is faulted in, and the kernel's areas show where the lock ends.
    /// </summary>
    [Fact]
    public void A_lock_of_more_than_a_slice_covers_exactly_its_pages_and_nothing_past_them()
    {
        long length = 2 * MemoryMapping.SliceLength + Page;
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 3 * MemoryMapping.SliceLength, Private = false, NoReserve = true });

        mapping.Lock(0, length - 10, onFault: true);

        IReadOnlyList<ProcessMemoryRegion> areas = MapsFile.RegionsOf(mapping);
        Assert.Equal(2, areas.Count);
        Assert.Equal((ulong)length, areas[0].End - areas[0].Start);
        Assert.Equal(0, mapping.LockedBytes); // on fault: nothing touched, nothing locked in RAM yet
        mapping.Unlock();
        Assert.Single(MapsFile.RegionsOf(mapping));
    }
}
