using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>
/// Huge pages as first-class pages: the success path, with huge pages reserved for real (as root).
/// Every page-range operation works in whole huge pages: it widens a range to them, or refuses an
/// offset inside one with a clear ArgumentException, never a bare EINVAL from the kernel.
/// </summary>
[Collection(nameof(HugePageReservation))]
public sealed class HugePageTests
{
    private static readonly int Page = Environment.SystemPageSize;
    private static readonly long Huge = HugePageReservation.PageSize;

    private static MemoryMapping MapHuge(int pages) => MemoryMapping.MapAnonymous(new MappingOptions { Length = pages * Huge, HugePages = true });

    /// <summary>The mapping's lines in /proc/self/smaps: its KernelPageSize and Rss.</summary>
    private static List<ProcessMemoryRegion> Regions(MemoryMapping mapping) => [.. ProcessMemoryMap.Read(null, detailed: true)
        .Where(region => region.Start >= (ulong)mapping.Address && region.End <= (ulong)mapping.Address + (ulong)mapping.MappedLength)];

    [HugePageFact]
    public void A_huge_page_mapping_has_the_huge_page_size_as_its_page_size()
    {
        using MemoryMapping mapping = MapHuge(2);

        Assert.Equal(Huge, mapping.PageSize);
        Assert.True(mapping.IsHugePages);
        Assert.Equal(2 * Huge, mapping.MappedLength);
        Assert.All(Regions(mapping), region => Assert.Equal(Huge, region.PageSize));
        mapping.Write(Huge + 5, "huge"u8);
        Assert.Equal("huge"u8.ToArray(), mapping.Read(Huge + 5, 4));
    }

    [HugePageFact]
    public void Protection_widens_to_huge_pages_and_refuses_an_offset_inside_one()
    {
        using MemoryMapping mapping = MapHuge(2);

        var inside = Assert.Throws<ArgumentException>(() => mapping.Protect(MemoryProtection.Read, Page, Page));
        Assert.Contains($"huge page size of mapping {mapping.Id} ({Huge} bytes", inside.Message);
        Assert.Contains($"Use offset 0 or {Huge}", inside.Message);

        mapping.Protect(MemoryProtection.Read, 0, Page); // one byte page of it: the whole first huge page
        Assert.Equal([new ProtectionRegion(0, Huge, MemoryProtection.Read), new ProtectionRegion(Huge, Huge, MemoryProtection.ReadWrite)], mapping.ProtectionRegions);
        Assert.StartsWith("r--s", File.ReadLines("/proc/self/maps").Single(line => line.StartsWith($"{mapping.Address:x}-", StringComparison.Ordinal)).Split(' ')[1]);
    }

    [HugePageFact]
    public void A_partial_unmap_takes_whole_huge_pages_and_refuses_an_offset_inside_one()
    {
        using MemoryMapping mapping = MapHuge(3);

        Assert.Throws<ArgumentException>(() => mapping.Unmap(2 * Page, Page));
        Assert.False(mapping.Unmap(Huge, Page)); // widened to the whole second huge page

        Assert.Equal([new ByteRange(Huge, Huge)], mapping.UnmappedRanges);
        mapping.Write(2 * Huge, "after"u8);
        Assert.Throws<MappingAccessException>(() => mapping.Read(Huge, 1));
    }

    [HugePageFact]
    public void A_resize_shrinks_by_whole_huge_pages_and_refuses_what_the_kernel_cannot_do_clearly()
    {
        using MemoryMapping mapping = MapHuge(2);
        mapping.Write(0, "kept"u8);

        Assert.Contains("not a whole number of them", Assert.Throws<ArgumentException>(() => mapping.Resize(3L << 20)).Message);
        // The refusal names the nearest whole number of huge pages at or below the length, and at least one.
        foreach ((long length, string give) in new[] { (Huge / 2, $"give a Length of {Huge} (1 huge page)."), (Huge + 1, $"give a Length of {Huge} (1 huge page)."), (2 * Huge + Huge / 2, $"give a Length of {2 * Huge} (2 huge pages).") })
        {
            var notWhole = Assert.Throws<ArgumentException>(() => mapping.Resize(length));
            Assert.Contains($"and {length} bytes is not a whole number of them: {give}", notWhole.Message);
            Assert.Equal("newLength", notWhole.ParamName);
        }
        var grow = Assert.Throws<ArgumentException>(() => mapping.Resize(4 * Huge));
        Assert.Contains("does not grow huge-page mappings", grow.Message);
        Assert.Equal("newLength", grow.ParamName);
        mapping.Resize(2 * Huge); // its own length: no growth, nothing to refuse
        Assert.Equal("kept"u8.ToArray(), mapping.Read(0, 4));
        mapping.Resize(Huge);

        Assert.Equal((Huge, Huge), (mapping.Length, mapping.MappedLength));
        Assert.Equal("kept"u8.ToArray(), mapping.Read(0, 4));
    }

    [HugePageFact]
    public void Sync_lock_and_advice_take_any_range_widened_to_huge_pages()
    {
        using MemoryMapping mapping = MapHuge(2);

        mapping.Sync(10, 10);
        Assert.Equal(0, mapping.Residency().ResidentPages);
        mapping.Lock(Huge + 5, 5);
        mapping.Unlock(Huge + 5, 5);
        mapping.Advise(MappingAdvice.Random, 3 << 20, 1);
        mapping.Advise(MappingAdvice.PopulateWrite, 10, 1);

        Assert.Equal(new ByteRange(Huge, Huge), mapping.PagesOf(Huge + 5, 5));
        Assert.Equal(2, mapping.Residency().ResidentPages); // the lock faulted in the second huge page, PopulateWrite the first
    }

    [HugePageFact]
    public void Residency_and_the_process_map_count_huge_pages()
    {
        using MemoryMapping mapping = MapHuge(2);
        mapping.Write(Huge + 1, [1]); // touches the second huge page only

        MappingResidency residency = mapping.Residency(detailed: true);

        Assert.Equal((2L, 1L, (int)Huge), (residency.Pages, residency.ResidentPages, residency.PageSize));
        Assert.Equal(50, residency.Percent);
        Assert.Equal([new ByteRange(Huge, Huge)], residency.ResidentRanges);
        Assert.Equal(Huge, Regions(mapping).Sum(region => region.Rss)); // smaps puts huge pages in Private_Hugetlb, not Rss
    }

    [Fact]
    public void A_length_that_is_not_whole_huge_pages_is_refused_naming_the_length_given_and_the_one_to_use()
    {
        if (HugePageReservation.PageSize == 0)
        {
            return; // no huge pages in this kernel: the refusal names that instead
        }
        var error = Assert.Throws<ArgumentException>(() => MemoryMapping.MapAnonymous(new MappingOptions { Length = 1000, HugePages = true }));

        Assert.Contains("Length 1000 is not a whole number of them", error.Message);
        Assert.Contains($"use Length {Huge} (1 huge page)", error.Message);
        Assert.DoesNotContain("4096", error.Message);
    }
}
