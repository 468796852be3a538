using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>Find and FindLast agree with a plain reference search, at every block boundary, and keep the safety contract.</summary>
public sealed class SearchTests : IDisposable
{
    private readonly TempFiles files = new();
    private static readonly int Page = Environment.SystemPageSize;
    private const int Block = MemoryMapping.SearchBlockLength;

    public void Dispose() => files.Dispose();

    public static TheoryData<int, bool> Needles() => new()
    {
        { 1, false }, { 2, false }, { 16, false }, { 1024, false },
        { 1, true }, { 2, true }, { 16, true }, { 1024, true },
    };

    [Theory]
    [MemberData(nameof(Needles))]
    public void Find_agrees_with_a_reference_search_on_random_data_with_matches_planted_everywhere(int needleLength, bool isPrivate)
    {
        var random = new Random(needleLength);
        int length = 4 * Block + 3 * Page + 17;
        byte[] data = new byte[length];
        random.NextBytes(data);
        byte[] needle = new byte[needleLength];
        random.NextBytes(needle);
        if (needleLength == 1)
        {
            data.AsSpan().Replace(needle[0], (byte)(needle[0] ^ 0x80)); // so the plants are the only matches
        }
        var plants = new List<int> { 0, length - needleLength, 12345 };
        for (int boundary = Block; boundary < length; boundary += Block)
        {
            // Straddling each boundary at every split, starting just before it, and ending just past it.
            plants.AddRange([boundary - needleLength / 2, boundary - needleLength, boundary - needleLength + 1, boundary - 1, boundary]);
        }
        foreach (int at in plants)
        {
            needle.CopyTo(data, at);
        }
        // Overlapping matches: a run of a byte-periodic needle.
        byte[] periodic = Enumerable.Repeat((byte)0xA5, needleLength).ToArray();
        byte[] run = Enumerable.Repeat((byte)0xA5, needleLength + 3).ToArray();
        run.CopyTo(data, 2 * Block - 2);
        using MemoryMapping mapping = MemoryMapping.MapFile(files.Create(data), new MappingOptions { Private = isPrivate });

        Assert.Equal(Reference(data, needle, 0, length), mapping.Find(needle));
        Assert.Equal(Reference(data, periodic, 0, length), mapping.Find(periodic));
        Assert.Equal(4, mapping.Find(periodic, 2 * Block - 2, needleLength + 3).Count());
        Assert.Equal(Reference(data, needle, 0, length).Max(), mapping.FindLast(needle));
        Assert.Equal(Reference(data, periodic, 0, length).Max(), mapping.FindLast(periodic));
        Assert.Equal(Reference(data, needle, 0, length).Take(3), mapping.Find(needle).Take(3));
        Assert.Contains(0L, mapping.Find(needle));
        Assert.Equal(length - needleLength, mapping.FindLast(needle));

        foreach ((int start, int count) in new[] { (1, length - 1), (Block - 5, Block + 10), (Block, 2 * Block), (3, needleLength), (7, needleLength - 1), (length, 0) })
        {
            Assert.Equal(Reference(data, needle, start, count), mapping.Find(needle, start, count));
            Assert.Equal(Reference(data, needle, start, count).Cast<long?>().LastOrDefault(), mapping.FindLast(needle, start, count));
        }
    }

    [Fact]
    public void No_match_is_an_empty_result_and_an_empty_needle_or_a_range_past_Length_is_refused()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 3 * Page });

        Assert.Empty(mapping.Find([1, 2, 3]));
        Assert.Null(mapping.FindLast([1]));
        Assert.Throws<ArgumentException>(() => mapping.Find([]));
        Assert.Throws<ArgumentException>(() => mapping.FindLast([]));
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Find([0], 3 * Page + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Find([0], Page, 2 * Page + 1));
        Assert.Equal(Enumerable.Range(0, 3 * Page).Select(i => (long)i), mapping.Find([0]));
    }

    [Fact]
    public void A_search_of_a_PROT_NONE_page_is_refused()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 3 * Page });
        mapping.Protect(MemoryProtection.None, Page, Page);

        Assert.Equal(Page, mapping.Find([0], 0, Page).Count());
        var error = Assert.Throws<MappingAccessException>(() => mapping.Find([1]).ToList());
        Assert.Equal(MappingAccessFault.Protection, error.Fault);
        Assert.Equal(MappingAccessFault.Protection, Assert.Throws<MappingAccessException>(() => mapping.FindLast([1])).Fault);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_file_truncated_mid_search_ends_the_search_with_BeyondEndOfFile_after_the_matches_before_it(bool isPrivate)
    {
        byte[] data = new byte[16 * Block];
        "needle"u8.CopyTo(data);
        "needle"u8.CopyTo(data.AsSpan(Page));
        "needle"u8.CopyTo(data.AsSpan(15 * Block));
        string path = files.Create(data);
        using MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Private = isPrivate });

        var found = new List<long>();
        var error = Assert.Throws<MappingAccessException>(() =>
        {
            foreach (long at in mapping.Find("needle"u8))
            {
                found.Add(at);
                if (found.Count == 1)
                {
                    using var other = new FileStream(path, FileMode.Open, FileAccess.Write);
                    other.SetLength(2 * Page); // ftruncate from another descriptor
                }
            }
        });

        Assert.Equal(MappingAccessFault.BeyondEndOfFile, error.Fault);
        Assert.True(error.Offset >= 2 * Page, $"failed at {error.Offset}");
        Assert.Equal([0L, Page], found);
        Assert.Equal(MappingAccessFault.BeyondEndOfFile, Assert.Throws<MappingAccessException>(() => mapping.FindLast("needle"u8)).Fault);
        Assert.Equal(Page, mapping.FindLast("needle"u8, 0, 2 * Page));
    }

    [Fact]
    public async Task Removing_the_mapping_while_a_search_is_paused_between_matches_is_not_blocked_and_the_search_then_fails()
    {
        byte[] data = new byte[8 * Block];
        data[0] = 1;
        data[7 * Block] = 1;
        MemoryMapping mapping = MemoryMapping.MapFile(files.Create(data));
        using IEnumerator<long> search = mapping.Find([1]).GetEnumerator();
        Assert.True(search.MoveNext());

        await Task.Run(mapping.Dispose).WaitAsync(TimeSpan.FromSeconds(10)); // a TimeoutException if Dispose waited for the paused search

        Assert.Throws<MappingClosedException>(() => search.MoveNext());
    }

    private static List<long> Reference(byte[] data, byte[] needle, int start, int count)
    {
        var matches = new List<long>();
        for (int i = start; i + needle.Length <= start + count; i++)
        {
            int j = 0;
            while (j < needle.Length && data[i + j] == needle[j])
            {
                j++;
            }
            if (j == needle.Length)
            {
                matches.Add(i);
            }
        }
        return matches;
    }
}
