using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>Huge pages, exact placement and character devices: each refused clearly where the kernel cannot do it, nothing clobbered.</summary>
public sealed class CreationFlagTests : IDisposable
{
    private readonly TempFiles files = new();
    private static readonly int Page = Environment.SystemPageSize;

    public void Dispose() => files.Dispose();

    private static long MeminfoValue(string field) => long.Parse(File.ReadLines("/proc/meminfo")
        .Single(line => line.StartsWith(field + ":", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);

    [Fact]
    public void HugePages_without_enough_free_huge_pages_are_refused_before_mapping_naming_HugePages_Total()
    {
        long hugePage = MeminfoValue("Hugepagesize") * 1024;
        long free = MeminfoValue("HugePages_Free");
        var options = new MappingOptions { Length = (free + 1) * hugePage, HugePages = true };

        var error = Assert.Throws<ArgumentException>(() => MemoryMapping.MapAnonymous(options));

        Assert.Contains("HugePages_Total", error.Message);
        Assert.Contains($"needs {free + 1} free huge pages", error.Message);
        Assert.DoesNotContain(MappingRegistry.Live, mapping => mapping.Length == options.Length);
    }

    [Fact]
    public void HugePages_need_anonymous_memory_a_whole_number_of_huge_pages_and_reservation()
    {
        string path = files.CreatePattern(Page);
        Assert.Contains("anonymous memory", Assert.Throws<ArgumentException>(() => MemoryMapping.MapFile(path, new MappingOptions { HugePages = true })).Message);
        Assert.Contains("not a whole number of them", Assert.Throws<ArgumentException>(() => MemoryMapping.MapAnonymous(new MappingOptions { Length = Page, HugePages = true })).Message);
        Assert.Contains("NoReserve", Assert.Throws<ArgumentException>(() => MemoryMapping.MapAnonymous(new MappingOptions { Length = 2 << 20, HugePages = true, NoReserve = true })).Message);
    }

    [Fact]
    public void An_exact_address_is_honoured()
    {
        // The middle of a wide gap in the process's map: nothing the runtime maps meanwhile lands there.
        IReadOnlyList<ProcessMemoryRegion> regions = ProcessMemoryMap.Read();
        int gap = Enumerable.Range(1, regions.Count - 1).First(i => regions[i].Start - regions[i - 1].End >= 1UL << 30);
        ulong middle = regions[gap - 1].End + (regions[gap].Start - regions[gap - 1].End) / 2;
        nint free = (nint)(middle - middle % (ulong)Page);
        using MemoryMapping placed = MemoryMapping.MapAnonymous(new MappingOptions { Length = 4 * Page, Address = free });

        Assert.Equal(free, placed.Address);
        Assert.Single(MapsFile.RegionsOf(placed));
    }

    [Fact]
    public void An_occupied_address_is_refused_with_EEXIST_and_the_mapping_there_is_untouched()
    {
        byte[] content = TempFiles.Pattern(2 * Page);
        using MemoryMapping existing = MemoryMapping.MapFile(files.Create(content));
        IReadOnlyList<ProcessMemoryRegion> before = MapsFile.RegionsOf(existing);

        var error = Assert.Throws<SystemCallException>(() =>
            MemoryMapping.MapAnonymous(new MappingOptions { Length = Page, Address = existing.Address + Page }));

        Assert.Equal("EEXIST", error.ErrnoName);
        Assert.Contains("already mapped", error.Message);
        Assert.Equal(content, existing.Read(0, 2 * Page));
        Assert.Equal(before, MapsFile.RegionsOf(existing));
        Assert.DoesNotContain(MappingRegistry.Live, mapping => mapping.Address == existing.Address + Page);
    }

    [Fact]
    public void An_unaligned_address_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => MemoryMapping.MapAnonymous(new MappingOptions { Length = Page, Address = 0x10000001 }));
        Assert.Contains("not a multiple of the page size", error.Message);
    }

    [Fact]
    public void Dev_zero_maps_with_a_length_as_zero_filled_memory()
    {
        using MemoryMapping shared = MemoryMapping.MapFile("/dev/zero", new MappingOptions { Length = 3 * Page });
        Assert.Equal(MappingKind.SharedFile, shared.Kind);
        Assert.Equal("/dev/zero", shared.Path);
        Assert.Equal(new byte[3 * Page], shared.Read(0, 3 * Page));
        shared.Write(Page, "hello"u8);
        Assert.Equal("hello"u8.ToArray(), shared.Read(Page, 5));

        using MemoryMapping copy = MemoryMapping.MapFile("/dev/zero", new MappingOptions { Length = Page, Private = true });
        Assert.Equal(MappingKind.PrivateFile, copy.Kind);
        copy.Write(0, "private"u8);
        Assert.Equal("private"u8.ToArray(), copy.Read(0, 7));
    }

    [Fact]
    public void A_device_without_a_length_or_one_the_kernel_cannot_map_is_refused_cleanly()
    {
        var noLength = Assert.Throws<ArgumentException>(() => MemoryMapping.MapFile("/dev/zero"));
        Assert.Contains("character device", noLength.Message);
        Assert.Contains("give a Length", noLength.Message);

        var noMmap = Assert.Throws<SystemCallException>(() => MemoryMapping.MapFile("/dev/null", new MappingOptions { Length = Page }));
        Assert.Equal("ENODEV", noMmap.ErrnoName);
        Assert.Contains("does not support memory mapping", noMmap.Message);

        Assert.Throws<ArgumentException>(() => MemoryMapping.MapFile("/dev/zero", new MappingOptions { Length = Page, Create = true }));
    }
}
