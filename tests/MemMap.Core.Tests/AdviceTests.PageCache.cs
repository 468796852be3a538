using System.Globalization;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

// File advice (posix_fadvise) and WillNeed on file mappings: what reaches the page cache, measured as fincore does.
public sealed partial class AdviceTests
{
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
