using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>Partial munmap: whole pages only; the hole is an error to use and is never touched again.</summary>
[Collection(ExactAddressTests.Name)]
public sealed class UnmapTests : IDisposable
{
    private static readonly int Page = Environment.SystemPageSize;
    private readonly TempFiles files = new();

    public void Dispose() => files.Dispose();

    [Fact]
    public void Unmapping_a_middle_page_leaves_a_hole_that_every_operation_refuses_clearly()
    {
        string path = files.CreatePattern(4 * Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);

        Assert.False(mapping.Unmap(Page, 1)); // one byte: rounds up to the whole page

        Assert.Equal([new ByteRange(Page, Page)], mapping.UnmappedRanges);
        Assert.Equal(3 * Page, MapsFile.MappedBytes(mapping));
        Assert.Equal(MappingAccessFault.Unmapped, Assert.Throws<MappingAccessException>(() => mapping.Read(Page - 1, 2)).Fault);
        Assert.Equal(MappingAccessFault.Unmapped, Assert.Throws<MappingAccessException>(() => mapping.Write(2 * Page - 1, [1])).Fault);
        Assert.Throws<MappingAccessException>(() => mapping.Sync(Page, 10));
        Assert.Throws<MappingAccessException>(() => mapping.Protect(MemoryProtection.Read, Page, Page));
        Assert.Throws<MappingOperationException>(() => mapping.Resize(8 * Page));

        mapping.Write(0, "start"u8);
        mapping.Write(2 * Page, "after"u8);
        mapping.Sync();
        mapping.Protect(MemoryProtection.Read);
        Assert.Equal("r--s", MapsFile.PermissionsAt(mapping, 3 * Page));
        Assert.Equal("after"u8.ToArray(), File.ReadAllBytes(path)[(2 * Page)..(2 * Page + 5)]);
    }

    [Fact]
    public void Memory_the_runtime_maps_into_a_hole_survives_protect_sync_and_removal_of_the_mapping()
    {
        MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 3 * Page, Private = true });
        nint hole = mapping.Address + Page;
        mapping.Unmap(Page, Page);
        using var stranger = new Blocker(hole, Page, 0x5A);

        Assert.False(mapping.Unmap(0, 2 * Page)); // a range over the hole unmaps only the mapping's own pages
        Assert.True(stranger.Holds(0x5A));
        mapping.Protect(MemoryProtection.None);
        mapping.Sync();
        mapping.Dispose();

        Assert.True(stranger.Holds(0x5A));
    }

    [Fact]
    public void Removing_a_mapping_whose_first_pages_were_unmapped_unmaps_its_last_pages_and_nothing_below_it()
    {
        // Six free pages (this collection runs alone, so they stay free): the lowest two are a neighbour's, mapped behind
        // MemMap's back, and the file is mapped just above them.
        nint free;
        using (MemoryMapping space = MemoryMapping.MapAnonymous(new MappingOptions { Length = 6 * Page, Private = true }))
        {
            free = space.Address;
        }
        using var below = new Blocker(free, 2 * Page, 0x5A);
        string path = files.CreatePattern(4 * Page);
        MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Address = free + 2 * Page });
        Assert.False(mapping.Unmap(0, 2 * Page));

        mapping.Dispose(); // its one mapped segment starts 2 pages into the mapping

        Assert.DoesNotContain(ProcessMemoryMap.Read(), region => region.Path == path);
        Assert.True(below.Holds(0x5A));
    }

    [Fact]
    public void Unmapping_every_page_removes_the_mapping()
    {
        MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 2 * Page, Private = true });
        mapping.Unmap(0, Page);

        Assert.True(mapping.Unmap(Page));

        Assert.False(mapping.IsOpen);
        Assert.Null(MappingRegistry.Find(mapping.Id));
        Assert.Throws<MappingClosedException>(() => mapping.Read(0, 1));
    }

    [Fact]
    public void Unmapping_a_page_between_differently_protected_neighbours_touches_only_that_page_and_an_empty_range_unmaps_nothing()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 3 * Page, Private = true });
        mapping.Protect(MemoryProtection.Read, 0, Page);
        mapping.Protect(MemoryProtection.Read, 2 * Page, Page);

        Assert.False(mapping.Unmap(Page, 0)); // no page: nothing unmapped, the mapping stays
        Assert.True(mapping.IsOpen);
        Assert.Empty(mapping.UnmappedRanges);

        // The neighbours end at, and start just past, the range: munmap must not be asked for an empty part of them.
        Assert.False(mapping.Unmap(Page, Page));
        Assert.Equal([new ByteRange(Page, Page)], mapping.UnmappedRanges);
        Assert.Equal(2 * Page, MapsFile.MappedBytes(mapping));
    }

    [Theory]
    [InlineData(1L, 1L, "Unmapping applies to whole pages: offset 1 is not a multiple of the page size")]
    [InlineData(-4096L, 1L, "offset -4096 with count 1 is not a range (both must be 0 or more)")]
    [InlineData(0L, 100_000L, "offset 0 with count 100000 reaches byte 99999, past its end")]
    public void Unaligned_offsets_and_ranges_outside_the_mapping_are_refused_and_nothing_is_unmapped(long offset, long count, string reason)
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 4 * Page, Private = true });

        var error = Assert.ThrowsAny<ArgumentException>(() => mapping.Unmap(offset, count));
        Assert.Equal(offset % Page == 0 ? typeof(ArgumentOutOfRangeException) : typeof(ArgumentException), error.GetType());
        Assert.Contains(reason, error.Message);

        Assert.Empty(mapping.UnmappedRanges);
        Assert.Equal(4 * Page, MapsFile.MappedBytes(mapping));
    }
}
