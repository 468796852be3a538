using System.Globalization;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>Residency of mappings (mincore) and of files by path (cachestat, or a passing mapping + mincore), against the kernel and fincore.</summary>
public sealed class ResidencyTests : IDisposable
{
    private readonly TempFiles files = new();
    private static readonly int Page = Environment.SystemPageSize;

    public void Dispose() => files.Dispose();

    /// <summary>A sparse file of <paramref name="pages"/> pages (none cached) with exactly the pages <paramref name="written"/> written, so cached.</summary>
    private string SparseFileWithCachedPages(long pages, params long[] written)
    {
        string path = files.NewPath();
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        stream.SetLength(pages * Page);
        foreach (long page in written)
        {
            stream.Position = page * Page;
            stream.Write(TempFiles.Pattern(Page));
        }
        return path;
    }

    [Fact]
    public void A_mapping_counts_the_pages_it_touched_and_lists_their_runs()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 16 * Page, Private = true });
        foreach (int page in new[] { 0, 1, 5 })
        {
            mapping.Write(page * Page, "x"u8);
        }

        MappingResidency residency = mapping.Residency(detailed: true);

        Assert.Equal(mapping.Id, residency.MappingId);
        Assert.Equal(16, residency.Pages);
        Assert.Equal(3, residency.ResidentPages);
        Assert.Equal(3L * Page, residency.ResidentBytes);
        Assert.Equal(18.75, residency.Percent);
        Assert.Equal([new ByteRange(0, 2 * Page), new ByteRange(5 * Page, Page)], residency.ResidentRanges);
        Assert.Null(residency.DirtyPages);
        Assert.Equal("[O o     ] 3/16", residency.DrawStrip(8));
        Assert.Equal("[OO   O          ] 3/16", residency.DrawStrip());
        Assert.Null(mapping.Residency().ResidentRanges);
        Assert.Equal("", mapping.Residency().DrawStrip());
    }

    [Fact]
    public void A_mapping_with_a_hole_is_measured_around_it_and_a_removed_one_is_refused()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 4 * Page, Populate = true });
        mapping.Unmap(Page, Page);

        MappingResidency residency = mapping.Residency(detailed: true);
        Assert.Equal(4, residency.Pages);
        Assert.Equal(3, residency.ResidentPages);
        Assert.Equal([new ByteRange(0, Page), new ByteRange(2 * Page, 2 * Page)], residency.ResidentRanges);

        mapping.Dispose();
        Assert.Throws<MappingClosedException>(() => mapping.Residency());
    }

    [Fact]
    public void A_file_mapping_sees_the_page_cache_of_its_file()
    {
        string path = SparseFileWithCachedPages(8, 2, 3);
        using MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Protection = MemoryProtection.None });

        MappingResidency residency = mapping.Residency(detailed: true);

        Assert.Equal(path, residency.Path);
        Assert.Equal([new ByteRange(2 * Page, 2 * Page)], residency.ResidentRanges);
    }

    [Fact]
    public void A_large_file_counted_in_parallel_parts_misses_no_page_of_any_part()
    {
        // 600 MiB: cachestat counts it in one part per core (parts from 256 MiB); cached pages at
        // both ends, around every part boundary, and in the last page.
        long pages = (600L << 20) / Page;
        long[] written = [0, 1, pages / 2 - 1, pages / 2, pages / 2 + 1, pages / 3, pages / 3 * 2, pages - 2, pages - 1];
        string path = SparseFileWithCachedPages(pages, written);

        MappingResidency counted = FileResidency.Measure(path);
        MappingResidency detailed = FileResidency.Measure(path, detailed: true);

        Assert.Equal(pages, counted.Pages);
        Assert.Equal(written.Distinct().Count(), counted.ResidentPages);
        Assert.Equal(counted.ResidentPages, detailed.ResidentPages);
    }

    [SkippableFact]
    public void A_file_by_path_agrees_with_fincore_in_total_and_with_cachestat_page_for_page_and_leaves_no_mapping()
    {
        string path = SparseFileWithCachedPages(64, 3, 10, 11, 12);

        MappingResidency counted = FileResidency.Measure(path);
        MappingResidency detailed = FileResidency.Measure(path, detailed: true);
        (int exit, string output) = ChildProcess.Run("fincore", "--bytes", "--noheadings", "--raw", "--output", "RES,PAGES,SIZE,FILE", path);

        Assert.Equal(0, exit);
        string[] fields = output.Trim().Split(' ', 4);
        Assert.Equal(long.Parse(fields[0], CultureInfo.InvariantCulture), counted.ResidentBytes);
        Assert.Equal(long.Parse(fields[1], CultureInfo.InvariantCulture), counted.ResidentPages); // fincore's PAGES: resident pages
        Assert.Equal(long.Parse(fields[2], CultureInfo.InvariantCulture), counted.Length);
        Assert.Equal(path, fields[3]);
        Assert.Equal(4, counted.ResidentPages);
        Assert.Equal(4, detailed.ResidentPages);
        Assert.Equal([new ByteRange(3 * Page, Page), new ByteRange(10 * Page, 3 * Page)], detailed.ResidentRanges);
        // fincore prints totals only: each page's residency comes from cachestat of that one page.
        for (long page = 0; page < 64; page++)
        {
            bool resident = detailed.ResidentRanges!.Any(range => range.Offset <= page * Page && page * Page < range.End);
            Reliability.PageCache.Counts? one = Reliability.PageCache.Cachestat(path, page * Page, Page);
            Skip.If(one is null, "this kernel has no cachestat(2) (Linux 6.5 or later), which the per-page comparison needs; run it on Linux 6.5+");
            Assert.True((one!.Value.Cached == 1) == resident, $"page {page}: cachestat says {one.Value.Cached} cached, MemMap says {(resident ? "resident" : "not resident")}");
        }
        Assert.Null(counted.MappingId);
        Assert.DoesNotContain(ProcessMemoryMap.Read(), region => region.Path == path);
    }

    [Fact]
    public void Cachestat_counts_dirty_pages_until_they_are_written_back()
    {
        string path = files.CreatePattern(4 * Page);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            stream.Flush(flushToDisk: true); // the pages File.WriteAllBytes left dirty
            Assert.Equal(0, FileResidency.Measure(path).DirtyPages);
            stream.Write(TempFiles.Pattern(2 * Page));
            stream.Flush(flushToDisk: false);

            MappingResidency before = FileResidency.Measure(path);
            Assert.Equal("cachestat", before.Method);
            // At least the two pages written; the kernel may dirty the whole large folio around them.
            Assert.InRange(before.DirtyPages!.Value + before.WritebackPages!.Value, 2, 4);

            stream.Flush(flushToDisk: true);
        }
        MappingResidency after = FileResidency.Measure(path);
        Assert.Equal(0, after.DirtyPages);
        Assert.Equal(0, after.WritebackPages);
        Assert.NotNull(after.EvictedPages);
        Assert.NotNull(after.RecentlyEvictedPages);
        Assert.Equal(4, after.ResidentPages);
    }

    [Fact]
    public void A_sparse_file_larger_than_one_temporary_mapping_is_measured_in_chunks_across_their_borders()
    {
        const long GiB = 1L << 30;
        long pages = 3 * GiB / Page;
        string path = SparseFileWithCachedPages(pages, GiB / Page - 1, GiB / Page, (5 * GiB / 2) / Page);

        MappingResidency residency = FileResidency.Measure(path, detailed: true);

        Assert.Equal(pages, residency.Pages);
        Assert.Equal(3, residency.ResidentPages);
        Assert.Equal([new ByteRange(GiB - Page, 2 * Page), new ByteRange(5 * GiB / 2, Page)], residency.ResidentRanges);
        Assert.Equal("cachestat+mincore", residency.Method);
        Assert.DoesNotContain(ProcessMemoryMap.Read(), region => region.Path == path);
    }

    [Fact]
    public void An_empty_file_has_no_pages()
    {
        string path = files.Create([]);

        MappingResidency residency = FileResidency.Measure(path, detailed: true);

        Assert.Equal(0, residency.Pages);
        Assert.Equal(0, residency.ResidentPages);
        Assert.Equal(0, residency.Percent);
        Assert.Empty(residency.ResidentRanges!);
        Assert.Equal("[] 0/0", residency.DrawStrip());
    }

    [Fact]
    public void A_missing_file_and_a_directory_are_refused_clearly()
    {
        var missing = Assert.Throws<SystemCallException>(() => FileResidency.Measure(files.NewPath()));
        Assert.Equal("ENOENT", missing.ErrnoName);
        Assert.Contains("does not exist", missing.Message);

        var directory = Assert.Throws<ArgumentException>(() => FileResidency.Measure(files.Folder));
        Assert.Contains("not a regular file", directory.Message);
    }

    [Fact]
    public void A_byte_range_ends_just_past_its_last_byte_and_reads_as_first_to_last()
    {
        var range = new ByteRange(3 * Page, 2 * Page);

        Assert.Equal(5 * Page, range.End);
        Assert.Equal($"{3 * Page}..{5 * Page - 1} ({2 * Page} bytes)", range.ToString());
        Assert.Equal("0..0 (1 bytes)", new ByteRange(0, 1).ToString());
    }
}
