using System.Text;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>Every read, write, fill, typed access and search is bounded by Length, never by the page tail up to MappedLength.</summary>
public sealed class LengthBoundTests : IDisposable
{
    private readonly TempFiles files = new();
    private static readonly int Page = Environment.SystemPageSize;

    public void Dispose() => files.Dispose();

    [Fact]
    public void A_write_of_33_bytes_at_offset_90_of_a_100_byte_file_is_refused_and_file_and_mapping_keep_every_byte()
    {
        byte[] content = TempFiles.Pattern(100);
        string path = files.Create(content);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Write(90, new byte[33]));
        Assert.Contains("holds 100 bytes", error.Message);
        Assert.Contains("Resize-MemoryMapping -ExtendFile", error.Message);
        Assert.Contains("New-MemoryMapping -Create -Length", error.Message);
        mapping.Sync();

        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.Equal(content, mapping.Read(0, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Read(90, 11));
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Read(100, 1));
        Assert.Equal(Page, mapping.MappedLength);
    }

    [Fact]
    public void Anonymous_memory_of_100_bytes_refuses_every_access_past_byte_99()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 100 });
        mapping.Write(99, [7]);

        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Write(99, [1, 2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Read(100, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Fill(50, 51, 0xFF));
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.ReadValues<int>(97, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.WriteValues<short>(99, [1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Find([7], 0, 101));
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.FindLast([7], 101));

        Assert.Equal(new byte[] { 0, 7 }, mapping.Read(98, 2));
        Assert.Equal([99L], mapping.Find([7]));
    }

    [Fact]
    public void A_mapping_at_a_file_offset_is_bounded_by_its_own_length_and_the_file_keeps_its_size()
    {
        byte[] content = TempFiles.Pattern(2 * Page + 100);
        string path = files.Create(content);
        using MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Offset = Page });
        Assert.Equal(Page + 100, mapping.Length);

        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Write(Page + 90, new byte[33]));
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.WriteValues<long>(Page + 95, [-1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Fill(Page, 101, 0));
        mapping.Sync();

        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.Equal(content.AsSpan(Page).ToArray(), mapping.Read(0, Page + 100));
    }

    [Fact]
    public void Search_and_typed_reads_never_see_the_zero_filled_page_tail()
    {
        string path = files.Create(Encoding.ASCII.GetBytes(new string('a', 100)));
        using MemoryMapping mapping = MemoryMapping.MapFile(path);

        Assert.Empty(mapping.Find([0]));
        Assert.Null(mapping.FindLast([0]));
        Assert.Equal(99L, mapping.FindLast("a"u8));
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.ReadValues<double>(93, 1));
        Assert.Equal(0x6161616161616161L, mapping.ReadValues<long>(92, 1)[0]);
    }
}
