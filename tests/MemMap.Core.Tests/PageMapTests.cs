namespace MemMap.Tests;

/// <summary>
/// The page map on its own: every read and write asks it which page denies the access, and every
/// protect, unmap and resize rewrites it, so its edges (the first and last byte of a run, empty
/// ranges, holes next to holes) are pinned here exactly.
/// </summary>
public sealed class PageMapTests
{
    private const long P = 4096;

    /// <summary>Pages: ReadWrite, Read, hole, ReadWrite.</summary>
    private static PageMap Mixed() => PageMap.Uniform(4 * P, MemoryProtection.ReadWrite)
        .With(P, P, MemoryProtection.Read, isMapped: true)
        .With(2 * P, P, MemoryProtection.None, isMapped: false);

    private static string Describe(PageMap map) => string.Join(", ", map.Runs.Select(run => $"{run.Offset / P}+{run.Length / P} {(run.IsMapped ? run.Protection.ToString() : "hole")}"));

    [Fact]
    public void Overlays_split_runs_and_merge_equal_neighbours_again()
    {
        PageMap map = Mixed();
        Assert.Equal("0+1 ReadWrite, 1+1 Read, 2+1 hole, 3+1 ReadWrite", Describe(map));
        Assert.Equal(4 * P, map.Length);
        Assert.True(map.HasHoles);
        Assert.Equal([new ByteRange(2 * P, P)], map.Holes);

        PageMap back = map.With(P, P, MemoryProtection.ReadWrite, isMapped: true);
        Assert.Equal("0+2 ReadWrite, 2+1 hole, 3+1 ReadWrite", Describe(back));

        // Holes join whatever protection they were given; mapped runs join only at equal protection.
        PageMap holes = map.With(3 * P, P, MemoryProtection.Read, isMapped: false);
        Assert.Equal("0+1 ReadWrite, 1+1 Read, 2+2 hole", Describe(holes));
        Assert.Equal("0+1 ReadWrite, 1+1 Read, 2+1 hole, 3+1 Read", Describe(map.With(3 * P, P, MemoryProtection.Read, isMapped: true)));

        Assert.Same(map, map.With(P, 0, MemoryProtection.None, isMapped: false)); // an empty change changes nothing
        Assert.Equal("0+1 ReadWrite, 1+1 None, 2+2 ReadWrite", Describe(PageMap.Uniform(4 * P, MemoryProtection.ReadWrite).With(P, P, MemoryProtection.None, isMapped: true)));
        Assert.Equal(0, PageMap.Uniform(0, MemoryProtection.Read).Length);
    }

    [Theory]
    [InlineData(0, P, MemoryProtection.Write, null)] // the whole first page
    [InlineData(P - 1, 1, MemoryProtection.Write, null)] // its last byte
    [InlineData(P - 1, 2, MemoryProtection.Write, P)] // one byte into the read-only page
    [InlineData(P, P, MemoryProtection.Read, null)]
    [InlineData(2 * P - 1, 1, MemoryProtection.Read, null)] // the last byte before the hole
    [InlineData(2 * P - 1, 2, MemoryProtection.Read, 2 * P)] // one byte into the hole
    [InlineData(3 * P, P, MemoryProtection.ReadWrite, null)] // after the hole
    [InlineData(0, 4 * P, MemoryProtection.Read, 2 * P)]
    [InlineData(0, 2 * P, MemoryProtection.None, null)] // None: only holes deny
    [InlineData(P, 3 * P, MemoryProtection.None, 2 * P)]
    [InlineData(0, P, MemoryProtection.Execute, 0L)] // ReadWrite lacks Execute
    [InlineData(2 * P, 0, MemoryProtection.Read, null)] // an empty range touches no page, even in a hole
    [InlineData(2 * P, -1, MemoryProtection.Read, null)]
    [InlineData(2 * P + 1, 0, MemoryProtection.Read, null)] // strictly inside the hole: still no page
    public void The_first_denying_run_is_found_to_the_byte(long offset, long count, MemoryProtection access, long? deniedAt)
    {
        Assert.Equal(deniedAt, Mixed().FirstDenying(offset, count, access)?.Offset);
    }

    [Fact]
    public void Mapped_segments_join_neighbours_of_any_protection_and_stop_at_holes()
    {
        Assert.Equal([new ByteRange(0, 2 * P), new ByteRange(3 * P, P)], Mixed().MappedSegments);
        Assert.Equal([new ByteRange(0, 2 * P)], Mixed().With(3 * P, P, MemoryProtection.None, isMapped: false).MappedSegments);
        Assert.Equal([new ByteRange(P, 3 * P)], PageMap.Uniform(4 * P, MemoryProtection.Read).With(0, P, MemoryProtection.None, isMapped: false).MappedSegments);
        Assert.Empty(PageMap.Uniform(P, MemoryProtection.Read).With(0, P, MemoryProtection.None, isMapped: false).MappedSegments);
        // A joined segment that starts after a hole: its length is measured from its own start.
        Assert.Equal([new ByteRange(P, 3 * P)], PageMap.Uniform(4 * P, MemoryProtection.ReadWrite)
            .With(0, P, MemoryProtection.None, isMapped: false).With(2 * P, P, MemoryProtection.Read, isMapped: true).MappedSegments);
    }

    [Theory]
    [InlineData(MemoryProtection.Read, MemoryProtection.Read, false)]
    [InlineData(MemoryProtection.ReadWrite, MemoryProtection.Read, false)]
    [InlineData(MemoryProtection.Read, MemoryProtection.Write, true)] // a uniform map denies everywhere what its protection lacks
    [InlineData(MemoryProtection.Read, MemoryProtection.ReadWrite, true)]
    [InlineData(MemoryProtection.None, MemoryProtection.Read, true)]
    public void A_uniform_map_allows_an_access_everywhere_or_denies_it_from_the_first_byte(MemoryProtection protection, MemoryProtection access, bool denied)
    {
        Assert.Equal(denied ? 0L : null, PageMap.Uniform(2 * P, protection).FirstDenying(P, 1, access)?.Offset);
    }

    [Fact]
    public void The_last_readable_page_is_the_last_page_of_the_last_mapped_readable_run()
    {
        Assert.Equal(3 * P, Mixed().LastReadablePage);
        Assert.Equal(P, Mixed().With(3 * P, P, MemoryProtection.None, isMapped: true).LastReadablePage); // PROT_NONE is not readable
        Assert.Equal(P, Mixed().With(3 * P, P, MemoryProtection.Read, isMapped: false).LastReadablePage); // a hole is never read, whatever it was given
        Assert.Equal(-1, PageMap.Uniform(2 * P, MemoryProtection.None).LastReadablePage);
        Assert.Equal(0, Mixed().Resized(0).Length);
    }

    [Fact]
    public void Resizing_cuts_or_extends_the_last_run_and_keeps_the_split_areas()
    {
        PageMap map = Mixed().WithSplits(2);
        Assert.Equal(3 + 2, map.AreaEstimate); // three mapped runs, two more areas split off by lock or advice

        PageMap cut = map.Resized(2 * P);
        Assert.Equal("0+1 ReadWrite, 1+1 Read", Describe(cut));
        Assert.Equal(2, cut.ExtraAreas);
        Assert.Equal("0+1 ReadWrite, 1+1 Read", Describe(map.Resized(2 * P)));
        Assert.Equal("0+1 ReadWrite, 1+1 Read, 2+1 hole", Describe(map.Resized(3 * P)));

        PageMap grown = map.Resized(6 * P);
        Assert.Equal("0+1 ReadWrite, 1+1 Read, 2+1 hole, 3+3 ReadWrite", Describe(grown));
        Assert.Equal(6 * P, grown.Length);
        Assert.Equal("0+1 ReadWrite", Describe(map.Resized(P)));
        Assert.False(map.Resized(2 * P).HasHoles);
    }

    [Fact]
    public void A_byte_range_ends_just_past_its_last_byte_and_names_its_first_and_last_byte()
    {
        var range = new ByteRange(P, 100);
        Assert.Equal(P + 100, range.End);
        Assert.Equal("4096..4195 (100 bytes)", range.ToString()); // the last byte is End - 1, not End or End + 1
    }
}
