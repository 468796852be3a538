using MemMap.Tests.Helpers;

namespace MemMap.Tests.Reliability;

/// <summary>The mismatches the model-based test found, each pinned as a plain test (see ModelTests).</summary>
public sealed class ModelRegressionTests : IDisposable
{
    private readonly TempFiles files = new();
    private static readonly int Page = Environment.SystemPageSize;

    public void Dispose() => files.Dispose();

    [Fact]
    public void Unmapping_zero_bytes_inside_the_mapping_changes_nothing()
    {
        // Found by seed 2: Unmap(2 pages, 0) called munmap with length 0 and threw SystemCallException (EINVAL).
        using MemoryMapping mapping = MemoryMapping.MapFile(files.CreatePattern(3 * Page));

        Assert.False(mapping.Unmap(2 * Page, 0));
        Assert.False(mapping.Unmap(3 * Page));

        Assert.Empty(mapping.UnmappedRanges);
        Assert.Equal(TempFiles.Pattern(3 * Page), mapping.Read(0, 3 * Page));
    }

    [Fact]
    public void A_zero_byte_access_is_never_refused_wherever_it_starts()
    {
        // Found by seed 3: Fill(5875, 0) in a read-only page threw Protection, while Fill(4096, 0) passed.
        using MemoryMapping mapping = MemoryMapping.MapFile(files.CreatePattern(3 * Page), new MappingOptions { Protection = MemoryProtection.Read });
        mapping.Protect(MemoryProtection.None, Page, Page);
        mapping.Unmap(2 * Page, Page);

        foreach (long offset in new long[] { Page, Page + 1779, 2 * Page + 5 })
        {
            mapping.Fill(offset, 0, 1);
            mapping.Write(offset, []);
            Assert.Empty(mapping.Read(offset, 0));
        }
        Assert.Throws<MappingAccessException>(() => mapping.Fill(Page + 1779, 1, 1));
        Assert.Throws<MappingAccessException>(() => mapping.Read(2 * Page + 5, 1));
    }

    [Fact]
    public void Protecting_zero_bytes_keeps_the_page_map_whole_and_remove_unmaps_every_page()
    {
        // Found by seed 6: Protect(ReadWrite, 3 pages, 0) added an empty run to the page map, which sorted
        // last and cut MappedLength to 3 pages: the pages after it were no longer known, and Dispose left them mapped.
        // A private file mapping, not anonymous memory: the runtime may map its own anonymous memory into
        // the range the moment it is free, but never this file.
        string path = files.CreatePattern(8 * Page - 100);
        MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Private = true });

        mapping.Protect(MemoryProtection.Read, 3 * Page, 0);

        Assert.Equal(8 * Page, mapping.MappedLength);
        Assert.Equal([new ProtectionRegion(0, 8 * Page, MemoryProtection.ReadWrite)], mapping.ProtectionRegions);
        mapping.Write(7 * Page, [1]);
        Assert.Equal(8L * Page, MapsFile.MappedBytes(mapping));
        mapping.Dispose();
        Assert.DoesNotContain(ProcessMemoryMap.Read(), region => region.Path == path);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Searching_a_removed_mapping_is_a_MappingClosedException_whatever_the_range(bool isPrivate)
    {
        // Found by seed 17: FindLast on a removed mapping over a range shorter than the needle returned
        // nothing; on a shared file mapping the search asked fstat of the closed file outside the gate
        // (ObjectDisposedException, and a race with Remove).
        MemoryMapping mapping = MemoryMapping.MapFile(files.CreatePattern(4 * Page), new MappingOptions { Private = isPrivate });
        mapping.Dispose();

        Assert.Throws<MappingClosedException>(() => mapping.FindLast([0, 2], 100, 1));
        Assert.Throws<MappingClosedException>(() => mapping.Find([0, 2], 100, 1).ToList());
        Assert.Throws<MappingClosedException>(() => mapping.Find([1, 2]).ToList());
        Assert.Throws<MappingClosedException>(() => mapping.FindLast([1, 2]));
    }
}
