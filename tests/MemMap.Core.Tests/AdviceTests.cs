using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>madvise on real mappings and posix_fadvise on real files: what each advice does to the data and to the kernel.</summary>
public sealed partial class AdviceTests : IDisposable
{
    private readonly TempFiles files = new();
    private static readonly int Page = Environment.SystemPageSize;

    public void Dispose() => files.Dispose();

    [Fact]
    public void DontNeed_zero_fills_private_anonymous_pages_widened_to_the_whole_pages_of_the_range()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 4 * Page, Private = true });
        byte[] pattern = TempFiles.Pattern(4 * Page);
        mapping.Write(0, pattern);

        mapping.Advise(MappingAdvice.DontNeed, Page + 10, 5); // bytes of page 1: the whole page goes

        byte[] after = mapping.Read(0, 4 * Page);
        Assert.Equal(pattern.AsSpan(0, Page).ToArray(), after.AsSpan(0, Page).ToArray());
        Assert.All(after.AsSpan(Page, Page).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(pattern.AsSpan(2 * Page).ToArray(), after.AsSpan(2 * Page).ToArray());
        Assert.Equal(new ByteRange(Page, Page), mapping.PagesOf(Page + 10, 5));
    }

    [Fact]
    public void DontNeed_drops_a_private_file_mappings_own_copies_and_reads_show_the_file_again()
    {
        byte[] content = TempFiles.Pattern(3 * Page);
        string path = files.Create(content);
        using MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Private = true });
        mapping.Write(5, "private"u8);
        mapping.Write(2 * Page, "copy"u8);
        Assert.Equal("private"u8.ToArray(), mapping.Read(5, 7));

        mapping.Advise(MappingAdvice.DontNeed);

        Assert.Equal(content, mapping.Read(0, 3 * Page));
        Assert.Equal(content, File.ReadAllBytes(path));
    }

    [Fact]
    public void DontNeed_keeps_a_shared_file_mappings_writes_which_live_in_the_page_cache()
    {
        string path = files.CreatePattern(2 * Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        mapping.Write(7, "kept"u8);

        mapping.Advise(MappingAdvice.DontNeed);

        Assert.Equal("kept"u8.ToArray(), mapping.Read(7, 4));
        Assert.Equal("kept"u8.ToArray(), File.ReadAllBytes(path).AsSpan(7, 4).ToArray());
    }

    [Fact]
    public void Remove_punches_a_hole_in_a_shared_file_so_its_bytes_read_as_zeros()
    {
        string path = files.CreatePattern(3 * Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);

        mapping.Advise(MappingAdvice.Remove, Page, Page);

        byte[] file = File.ReadAllBytes(path);
        Assert.Equal(3 * Page, file.Length);
        Assert.All(file.AsSpan(Page, Page).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(TempFiles.Pattern(Page), file.AsSpan(0, Page).ToArray());
        Assert.All(mapping.Read(Page, Page), b => Assert.Equal(0, b));
    }

    [Fact]
    public void Advice_that_sets_area_flags_on_part_of_a_mapping_splits_its_kernel_area_and_shows_in_smaps()
    {
        // Shared: private anonymous memory may merge with the runtime's areas next to it.
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 3 * Page });
        Assert.Single(MapsFile.RegionsOf(mapping));

        mapping.Advise(MappingAdvice.DontDump, Page, 1);

        Assert.Equal(3, MapsFile.RegionsOf(mapping).Count);
        Assert.DoesNotContain(" dd", " " + MapsFile.SmapsOf(mapping)["VmFlags"]);
        mapping.Advise(MappingAdvice.DontDump);
        Assert.Contains("dd", MapsFile.SmapsOf(mapping)["VmFlags"].Split(' '));
        Assert.Single(MapsFile.RegionsOf(mapping)); // the kernel merged the areas again
    }

    [Theory]
    [InlineData(MappingAdvice.Normal)]
    [InlineData(MappingAdvice.Random)]
    [InlineData(MappingAdvice.Sequential)]
    [InlineData(MappingAdvice.WillNeed)]
    [InlineData(MappingAdvice.DontFork)]
    [InlineData(MappingAdvice.DoFork)]
    [InlineData(MappingAdvice.DoDump)]
    [InlineData(MappingAdvice.Cold)]
    [InlineData(MappingAdvice.PageOut)]
    [InlineData(MappingAdvice.PopulateRead)]
    [InlineData(MappingAdvice.PopulateWrite)]
    public void Advice_that_keeps_data_leaves_a_shared_file_mappings_bytes_as_they_were(MappingAdvice advice)
    {
        byte[] content = TempFiles.Pattern(4 * Page);
        string path = files.Create(content);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);

        mapping.Advise(advice, Page / 2, Page);
        mapping.Advise(advice);

        Assert.False(advice.IsDestructive());
        Assert.Equal(content, mapping.Read(0, 4 * Page));
    }

    [Fact]
    public void Advice_the_kernel_refuses_is_explained_with_its_requirement_and_the_kernel_version()
    {
        byte[] content = TempFiles.Pattern(2 * Page);
        string path = files.Create(content);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);

        var error = Assert.Throws<SystemCallException>(() => mapping.Advise(MappingAdvice.Free));

        Assert.Equal("EINVAL", error.ErrnoName);
        Assert.Contains("madvise failed", error.Message);
        Assert.Contains("MADV_FREE", error.Message);
        Assert.Contains("private anonymous memory", error.Message);
        Assert.Contains($"Linux {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}", error.Message);
        Assert.Equal(content, mapping.Read(0, 2 * Page));

        using MemoryMapping anonymous = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page, Private = true });
        var remove = Assert.Throws<SystemCallException>(() => anonymous.Advise(MappingAdvice.Remove));
        Assert.Contains("Remove needs a shared, writable mapping", remove.Message);
        var notAnAdvice = Assert.Throws<ArgumentException>(() => mapping.Advise((MappingAdvice)99));
        Assert.Contains("WillNeed", notAnAdvice.Message);
    }

    [Fact]
    public void Remove_on_a_read_only_shared_mapping_is_refused_with_what_it_needs()
    {
        string path = files.CreatePattern(Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Protection = MemoryProtection.Read });

        var error = Assert.Throws<SystemCallException>(() => mapping.Advise(MappingAdvice.Remove));

        Assert.Equal("EACCES", error.ErrnoName);
        Assert.Contains("Write protection", error.Message);
        Assert.Equal(TempFiles.Pattern(Page), File.ReadAllBytes(path));
    }

    [Fact]
    public void A_range_that_touches_a_hole_is_refused_and_the_whole_mapping_skips_the_hole()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 3 * Page, Private = true });
        mapping.Write(0, "first"u8);
        mapping.Write(2 * Page, "last"u8);
        mapping.Unmap(Page, Page);

        var error = Assert.Throws<MappingAccessException>(() => mapping.Advise(MappingAdvice.DontNeed, 10, Page));
        Assert.Equal(MappingAccessFault.Unmapped, error.Fault);
        Assert.Contains("give advice DontNeed for", error.Message);
        Assert.Equal("first"u8.ToArray(), mapping.Read(0, 5)); // nothing was dropped

        mapping.Advise(MappingAdvice.WillNeed);
        mapping.Advise(MappingAdvice.DontDump);
        mapping.Advise(MappingAdvice.DontNeed);
        Assert.Equal(new byte[4], mapping.Read(2 * Page, 4));
    }

    [Fact]
    public void Ranges_outside_the_mapping_and_removed_mappings_are_refused()
    {
        MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 2 * Page, Private = true });
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Advise(MappingAdvice.WillNeed, 2 * Page, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Advise(MappingAdvice.WillNeed, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Lock(0, 2 * Page + 1));
        mapping.Dispose();
        Assert.Throws<MappingClosedException>(() => mapping.Advise(MappingAdvice.WillNeed));
        Assert.Throws<MappingClosedException>(() => mapping.Advise(MappingAdvice.DontDump, 0, 1));
    }
}
