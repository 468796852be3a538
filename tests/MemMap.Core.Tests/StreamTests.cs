using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>MemoryMapping.AsStream: a seekable Stream over a range, under every rule of the safety contract.</summary>
public sealed class StreamTests : IDisposable
{
    private readonly TempFiles files = new();
    private static readonly int Page = Environment.SystemPageSize;

    public void Dispose() => files.Dispose();

    [Fact]
    public void Hashing_through_the_stream_gives_the_file_hash_and_a_range_gives_the_hash_of_those_bytes()
    {
        var content = new byte[3 * Page + 321];
        new Random(18).NextBytes(content);
        string path = files.Create(content);
        using MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Protection = MemoryProtection.Read });

        using (Stream whole = mapping.AsStream())
        using (FileStream file = File.OpenRead(path))
        {
            Assert.Equal(SHA256.HashData(file), SHA256.HashData(whole));
        }
        using Stream part = mapping.AsStream(Page - 1, Page + 2);
        Assert.Equal(SHA256.HashData(content.AsSpan(Page - 1, Page + 2)), SHA256.HashData(part));
    }

    [Fact]
    public void A_StreamReader_reads_the_lines_of_a_mapped_log()
    {
        string[] lines = [.. Enumerable.Range(1, 500).Select(i => $"2026-12-01T10:{i % 60:00}:00Z line {i}")];
        string path = files.Create(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));
        using MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Protection = MemoryProtection.Read });

        using var reader = new StreamReader(mapping.AsStream());
        var read = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            read.Add(line);
        }

        Assert.Equal(lines, read);
    }

    [Fact]
    public void The_stream_seeks_anywhere_but_never_reads_or_writes_past_its_end()
    {
        byte[] content = TempFiles.Pattern(2 * Page);
        string path = files.Create(content);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        using Stream stream = mapping.AsStream(100, 1000);
        Assert.True(stream.CanRead && stream.CanSeek && stream.CanWrite);
        Assert.Equal(1000, stream.Length);

        Assert.Equal(990, stream.Seek(-10, SeekOrigin.End));
        byte[] buffer = new byte[64];
        Assert.Equal(10, stream.Read(buffer));                          // only up to the end of the range
        Assert.Equal(content.AsSpan(1090, 10).ToArray(), buffer.AsSpan(0, 10).ToArray());
        Assert.Equal(0, stream.Read(buffer));
        Assert.Equal(-1, stream.ReadByte());

        stream.Position = 5000;                                         // past the end: allowed, as in UnmanagedMemoryStream
        Assert.Equal(0, stream.Read(buffer));
        Assert.Throws<NotSupportedException>(() => stream.Write([1]));
        stream.Position = 998;
        Assert.Throws<NotSupportedException>(() => stream.Write([1, 2, 3])); // would pass the end: nothing written
        Assert.Throws<IOException>(() => stream.Seek(-1, SeekOrigin.Begin));
        Assert.Throws<ArgumentOutOfRangeException>(() => stream.Position = -1);
        Assert.Throws<NotSupportedException>(() => stream.SetLength(10));
        Assert.Equal(content, File.ReadAllBytes(path));

        stream.Position = 0;
        stream.Write("hello"u8);
        stream.WriteByte((byte)'!');
        Assert.Equal(6, stream.Position);
        mapping.Sync();
        Assert.Equal("hello!", Encoding.ASCII.GetString(File.ReadAllBytes(path), 100, 6));

        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.AsStream(Page, Page + 1)); // past Length
    }

    [Fact]
    public void A_stream_over_read_only_pages_cannot_write()
    {
        using MemoryMapping mapping = MemoryMapping.MapFile(files.CreatePattern(Page), new MappingOptions { Protection = MemoryProtection.Read });
        using Stream stream = mapping.AsStream();

        Assert.False(stream.CanWrite);
        Assert.Throws<NotSupportedException>(() => stream.Write([1]));
    }

    [Fact]
    public void A_page_truncated_away_by_another_process_is_an_IOException_holding_MemMaps_error()
    {
        string path = files.CreatePattern(4 * Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        using Stream stream = mapping.AsStream();
        Assert.Equal((0, ""), ChildProcess.Run("truncate", "--size", Page.ToString(CultureInfo.InvariantCulture), path));

        stream.Position = 2 * Page;
        var read = Assert.Throws<IOException>(() => stream.Read(new byte[10]));
        var write = Assert.Throws<IOException>(() => stream.Write([1, 2]));

        Assert.Equal(MappingAccessFault.BeyondEndOfFile, Assert.IsType<MappingAccessException>(read.InnerException).Fault);
        Assert.Equal(MappingAccessFault.BeyondEndOfFile, Assert.IsType<MappingAccessException>(write.InnerException).Fault);
        Assert.Equal(2 * Page, stream.Position); // a refused access does not move the position
        Assert.Equal(Page, new FileInfo(path).Length);
    }

    [Fact]
    public void Closing_the_stream_leaves_the_mapping_and_removing_the_mapping_fails_the_streams_next_call_cleanly()
    {
        MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });
        Stream first = mapping.AsStream();
        first.Dispose();
        Assert.True(mapping.IsOpen);
        mapping.Write(0, [7]);

        Stream stream = mapping.AsStream();
        Assert.Equal(7, stream.ReadByte());
        mapping.Dispose();

        Assert.False(stream.CanRead);
        var error = Assert.Throws<ObjectDisposedException>(() => stream.Read(new byte[1]));
        Assert.IsType<MappingClosedException>(error.InnerException);
        Assert.Throws<ObjectDisposedException>(() => stream.Write([1]));
        Assert.Throws<ObjectDisposedException>(() => stream.Position);
        Assert.Throws<MappingClosedException>(() => mapping.AsStream());
    }

    [Fact]
    public void A_stream_whose_mapping_shrank_below_its_end_refuses_the_bytes_that_are_gone()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 4 * Page, Private = true });
        using Stream stream = mapping.AsStream();
        mapping.Resize(Page);

        stream.Position = 2 * Page;
        var error = Assert.Throws<IOException>(() => stream.Read(new byte[1]));
        Assert.IsType<ArgumentOutOfRangeException>(error.InnerException);
    }
}
