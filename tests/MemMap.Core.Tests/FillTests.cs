using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>Fill (memset) through the kernel: exact bounds, many system calls for large ranges, the safety contract.</summary>
public sealed class FillTests : IDisposable
{
    private readonly TempFiles files = new();
    private static readonly int Page = Environment.SystemPageSize;

    public void Dispose() => files.Dispose();

    [Fact]
    public void Fill_sets_exactly_the_range_and_reaches_the_file()
    {
        byte[] content = TempFiles.Pattern(3 * Page);
        string path = files.Create(content);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);

        mapping.Fill(Page - 3, Page + 6, 0xEE);
        mapping.Fill(5, 0, 0xEE);
        mapping.Sync();

        byte[] expected = (byte[])content.Clone();
        expected.AsSpan(Page - 3, Page + 6).Fill(0xEE);
        Assert.Equal(expected, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_range_larger_than_one_call_of_1024_patterns_is_filled_whole()
    {
        long length = 1024L * MemoryMapping.FillPatternLength + 3 * Page + 5; // two system calls, the second partial
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = length + 2, Private = true });

        mapping.Fill(1, length, 0x5A);

        Assert.Equal(new long[] { 1, length }, new[] { mapping.Find([0x5A]).First(), mapping.FindLast([0x5A])!.Value });
        Assert.Equal([0L, length + 1], mapping.Find([0]));
    }

    [Fact]
    public void Fill_of_read_only_truncated_or_out_of_range_pages_is_refused_cleanly()
    {
        byte[] content = TempFiles.Pattern(4 * Page);
        string path = files.Create(content);
        using MemoryMapping readOnly = MemoryMapping.MapFile(path, new MappingOptions { Protection = MemoryProtection.Read });
        using MemoryMapping mapping = MemoryMapping.MapFile(path);

        Assert.Equal(MappingAccessFault.Protection, Assert.Throws<MappingAccessException>(() => readOnly.Fill(0, 10, 0)).Fault);
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Fill(-1, 10, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Fill(0, 4 * Page + 1, 0));
        Assert.Equal(content, File.ReadAllBytes(path));

        ChildProcess.Run("truncate", "--size", Page.ToString(), path);
        var error = Assert.Throws<MappingAccessException>(() => mapping.Fill(0, 3 * Page, 0x11));
        Assert.Equal(MappingAccessFault.BeyondEndOfFile, error.Fault);
        Assert.Equal(Page, error.Offset);
        Assert.Equal(content.AsSpan(0, Page).ToArray(), mapping.Read(0, Page)); // refused before a byte was set
        Assert.Equal(Page, Assert.Throws<MappingAccessException>(() => mapping.Fill(Page - 1, 2, 0x11)).Offset); // the last byte of the file is not set either
        Assert.Equal(content.AsSpan(0, Page).ToArray(), File.ReadAllBytes(path));
    }
}
