using System.Globalization;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>madvise on real mappings and posix_fadvise on real files: what each advice does to the data and to the kernel.</summary>
public sealed class AdviceTests : IDisposable
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

    [Fact]
    public void File_advice_WillNeed_loads_a_file_into_the_page_cache_and_DontNeed_evicts_it()
    {
        const int Pages = 64;
        string path = files.NewPath();
        using (var stream = new FileStream(path, FileMode.CreateNew))
        {
            stream.Write(TempFiles.Pattern(Pages * Page));
            stream.Flush(flushToDisk: true); // DontNeed evicts clean pages only
        }

        FileCache.Advise(path, FileAdvice.DontNeed);
        Assert.Equal(0, CachedBytes(path));

        FileCache.Advise(path, FileAdvice.WillNeed, Page, 2 * Page);
        Assert.True(SpinWait.SpinUntil(() => CachedBytes(path) >= 2 * Page, TimeSpan.FromSeconds(10)), $"WillNeed for 2 pages left {CachedBytes(path)} bytes cached.");

        FileCache.Advise(path, FileAdvice.WillNeed);
        Assert.True(SpinWait.SpinUntil(() => CachedBytes(path) == Pages * Page, TimeSpan.FromSeconds(10)), $"WillNeed left {CachedBytes(path)} of {Pages * Page} bytes cached.");

        FileCache.Advise(path, FileAdvice.DontNeed, 0, Pages * Page / 2);
        Assert.Equal(Pages * Page / 2, CachedBytes(path));
        FileCache.Advise(path, FileAdvice.DontNeed);
        Assert.Equal(0, CachedBytes(path));
        Assert.Equal(TempFiles.Pattern(Pages * Page), File.ReadAllBytes(path));
    }

    [Fact]
    public void File_advice_for_a_missing_file_a_folder_or_a_bad_range_is_refused_clearly()
    {
        string missing = files.NewPath();
        var notFound = Assert.Throws<SystemCallException>(() => FileCache.Advise(missing, FileAdvice.WillNeed));
        Assert.Equal("ENOENT", notFound.ErrnoName);
        Assert.Contains(missing, notFound.Message);

        var folder = Assert.Throws<ArgumentException>(() => FileCache.Advise(files.Folder, FileAdvice.DontNeed));
        Assert.Contains("not a regular file", folder.Message);

        string path = files.CreatePattern(Page);
        Assert.Throws<ArgumentOutOfRangeException>(() => FileCache.Advise(path, FileAdvice.WillNeed, -1));
        Assert.Throws<ArgumentException>(() => FileCache.Advise(path, (FileAdvice)42));
        FileCache.Advise(path, FileAdvice.NoReuse);
        FileCache.Advise(path, FileAdvice.Sequential, 0, 10 * Page); // past the end of the file is fine
    }

    /// <summary>A file of <paramref name="length"/> bytes, written to the disk and evicted, so that none of it is cached.</summary>
    private string EvictedFile(long length)
    {
        string path = files.NewPath();
        using (var stream = new FileStream(path, FileMode.CreateNew))
        {
            byte[] block = TempFiles.Pattern(1 << 20);
            for (long done = 0; done < length; done += block.Length)
            {
                stream.Write(block, 0, (int)Math.Min(block.Length, length - done));
            }
            stream.Flush(flushToDisk: true); // DontNeed evicts clean pages only
        }
        FileCache.Advise(path, FileAdvice.DontNeed);
        Assert.Equal(0, CachedBytes(path));
        return path;
    }

    [Fact]
    public void File_advice_WillNeed_loads_all_of_a_file_far_larger_than_the_read_ahead_window_before_it_returns()
    {
        const long Length = 96L << 20; // posix_fadvise alone loads a few hundred KiB to a few MiB of it
        string path = EvictedFile(Length);
        var reports = new List<long>();

        FileAdviceResult result = FileCache.Advise(path, FileAdvice.WillNeed, progress: new Inline(reports.Add));

        Assert.Equal(Length, CachedBytes(path)); // at once, no waiting: like vmtouch -t
        Assert.Equal((0L, Length / Page), (result.ResidentPagesBefore, result.ResidentPagesAfter));
        Assert.Null(result.Warning);
        Assert.Equal(Length, reports[^1]);
        Assert.True(reports.Count >= 3 && reports.SequenceEqual(reports.Order()), $"progress: {string.Join(", ", reports)}");
    }

    [Fact]
    public void File_advice_WillNeed_of_a_range_loads_its_whole_pages_and_a_stopped_load_keeps_what_it_loaded()
    {
        const long Length = 96L << 20;
        string path = EvictedFile(Length);
        FileCache.Advise(path, FileAdvice.WillNeed, (40L << 20) + 10, 8 * Page); // touches 9 pages
        long cachedRange = FileResidency.Measure(path, detailed: true).ResidentRanges!
            .Sum(run => Math.Max(0, Math.Min(run.End, (40L << 20) + 9 * Page) - Math.Max(run.Offset, 40L << 20)));
        Assert.Equal(9 * Page, cachedRange); // the kernel's read-ahead may load more around them

        FileCache.Advise(path, FileAdvice.DontNeed);
        using var stop = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => FileCache.Advise(path, FileAdvice.WillNeed, progress: new Inline(_ => stop.Cancel()), cancel: stop.Token));
        long cached = CachedBytes(path);
        Assert.True(cached > 0 && cached < Length, $"A load stopped after its first slice cached {cached} of {Length} bytes.");
    }

    [Fact]
    public void File_advice_DontNeed_warns_which_mappings_of_this_session_keep_pages_cached()
    {
        string path = EvictedFile(64 * Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Protection = MemoryProtection.Read, Offset = 16 * Page, Length = 8 * Page });
        _ = mapping.Read(0, 8 * Page); // maps its pages into this process
        FileCache.Advise(path, FileAdvice.WillNeed);

        FileAdviceResult result = FileCache.Advise(path, FileAdvice.DontNeed);

        Assert.Equal(8 * Page, CachedBytes(path)); // the mapped pages stay: the kernel never evicts a mapped page
        Assert.Equal((64L, 8L), (result.ResidentPagesBefore, result.ResidentPagesAfter));
        Assert.NotNull(result.Warning);
        Assert.Contains($"mapping {mapping.Id} ({path})", result.Warning);
        Assert.Contains("a mapped page is not evicted", result.Warning);

        Assert.Null(FileCache.Advise(path, FileAdvice.DontNeed, 0, 16 * Page).Warning); // a range the mapping does not hold
        mapping.Dispose();
        Assert.Null(FileCache.Advise(path, FileAdvice.DontNeed).Warning);
        Assert.Equal(0, CachedBytes(path));
    }

    [Fact]
    public void File_advice_DontNeed_says_when_another_process_keeps_pages_cached()
    {
        string path = EvictedFile(256 * Page);
        using System.Diagnostics.Process child = ChildProcess.StartChild(["write-sync-wait", path, "0", "held"]); // maps the file, writes page 0 and syncs it, waits
        try
        {
            Assert.Equal("synced", child.StandardOutput.ReadLine());
            FileCache.Advise(path, FileAdvice.WillNeed);

            FileAdviceResult result = FileCache.Advise(path, FileAdvice.DontNeed);

            // The child's mapped pages stay: page 0, and the last page its write probed for the file's
            // end (the kernel maps a few neighbours of a read fault with them); the rest is evicted.
            Assert.InRange(result.ResidentPagesAfter ?? 0, 1, 64);
            Assert.Equal((result.ResidentPagesAfter ?? 0) * Page, CachedBytes(path));
            Assert.NotNull(result.Warning);
            Assert.Contains("another process", result.Warning);
            Assert.DoesNotContain("mapping ", result.Warning.Split(':')[^1]);
        }
        finally
        {
            child.Kill();
            child.WaitForExit();
        }
    }

    [Fact]
    public void WillNeed_on_a_file_mapping_loads_the_whole_range_not_just_the_read_ahead_window()
    {
        const long Length = 96L << 20;
        string path = EvictedFile(Length);
        using MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Protection = MemoryProtection.Read, Offset = 16L << 20 });

        mapping.Advise(MappingAdvice.WillNeed, 0, 64L << 20);

        long cachedRange = FileResidency.Measure(path, detailed: true).ResidentRanges!
            .Sum(run => Math.Max(0, Math.Min(run.End, 80L << 20) - Math.Max(run.Offset, 16L << 20)));
        Assert.Equal(64L << 20, cachedRange); // the file's offsets 16 MiB to 80 MiB: the mapping's range
    }

    /// <summary>An IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class Inline(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    /// <summary>The bytes of the file in the page cache, as util-linux fincore counts them.</summary>
    private static long CachedBytes(string path)
    {
        (int exitCode, string output) = ChildProcess.Run("fincore", "--bytes", "--noheadings", "--raw", "--output", "RES", path);
        Assert.True(exitCode == 0, $"fincore failed ({exitCode}): {output}");
        return long.Parse(output.Trim(), CultureInfo.InvariantCulture);
    }
}
