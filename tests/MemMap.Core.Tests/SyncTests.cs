using System.Text;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>msync puts the data in the file.</summary>
public sealed class SyncTests : IDisposable
{
    private readonly TempFiles files = new();
    private static readonly int Page = Environment.SystemPageSize;

    public void Dispose() => files.Dispose();

    [Fact]
    public void Data_a_child_wrote_and_synced_is_in_the_file_after_the_child_is_killed_with_SIGKILL()
    {
        string path = files.CreatePattern(2 * Page);
        using var child = ChildProcess.StartChild(["write-sync-wait", path, (Page + 3).ToString(), "durable"]);

        Assert.Equal("synced", child.StandardOutput.ReadLine());
        child.Kill(); // SIGKILL: no exit handlers, no flush of anything but what msync already wrote.
        child.WaitForExit();

        byte[] onDisk = File.ReadAllBytes(path);
        Assert.Equal("durable", Encoding.ASCII.GetString(onDisk, Page + 3, 7));
        Assert.Equal(TempFiles.Pattern(2 * Page).AsSpan(0, Page).ToArray(), onDisk.AsSpan(0, Page).ToArray());
    }

    [Theory]
    [InlineData(SyncMode.Synchronous, false)]
    [InlineData(SyncMode.Asynchronous, false)]
    [InlineData(SyncMode.Synchronous, true)]
    [InlineData(SyncMode.Asynchronous, true)]
    public void Every_mode_accepts_an_unaligned_range_by_widening_it_to_whole_pages(SyncMode mode, bool invalidate)
    {
        string path = files.CreatePattern(3 * Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        mapping.Write(Page + 100, "range"u8);

        mapping.Sync(Page + 99, 10, mode, invalidate);

        Assert.Equal("range", Encoding.ASCII.GetString(File.ReadAllBytes(path), Page + 100, 5));
    }

    [Fact]
    public void Sync_of_anonymous_memory_is_harmless()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page, Private = true });
        mapping.Write(0, "x"u8);

        mapping.Sync();

        Assert.Equal("x", Encoding.ASCII.GetString(mapping.Read(0, 1)));
    }

    [Theory]
    [InlineData(-1L, 1L)]
    [InlineData(0L, -1L)]
    [InlineData(1L, long.MaxValue)]
    [InlineData(long.MaxValue, 1L)]
    public void A_range_outside_the_mapping_is_refused(long offset, long count)
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Sync(offset, count));
        Assert.Contains($"Mapping {mapping.Id}", error.Message);
    }
}
