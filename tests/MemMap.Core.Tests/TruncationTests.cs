using System.Text;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>A mapped file truncated by another process: the vanished pages give typed errors, never SIGBUS.</summary>
public sealed class TruncationTests : IDisposable
{
    private readonly TempFiles files = new();
    private static readonly int Page = Environment.SystemPageSize;

    public void Dispose() => files.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_and_writes_of_pages_past_a_truncated_end_fail_cleanly_while_the_rest_still_works(bool isPrivate)
    {
        byte[] content = TempFiles.Pattern(4 * Page);
        string path = files.Create(content);
        using MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Private = isPrivate });

        Assert.Equal((0, ""), ChildProcess.Run("truncate", "--size", Page.ToString(), path));

        var readError = Assert.Throws<MappingAccessException>(() => mapping.Read(2 * Page, 10));
        Assert.Equal(MappingAccessFault.BeyondEndOfFile, readError.Fault);
        Assert.Equal(2 * Page, readError.Offset);
        Assert.Contains($"now {Page} bytes long", readError.Message);

        var spanningError = Assert.Throws<MappingAccessException>(() => mapping.Read(Page - 5, 10));
        Assert.Equal(Page, spanningError.Offset);

        var writeError = Assert.Throws<MappingAccessException>(() => mapping.Write(3 * Page, "gone"u8));
        Assert.Equal(MappingAccessFault.BeyondEndOfFile, writeError.Fault);

        Assert.Equal(content.AsSpan(0, Page).ToArray(), mapping.Read(0, Page));
        mapping.Write(0, "alive"u8);
        Assert.Equal("alive", Encoding.ASCII.GetString(mapping.Read(0, 5)));
        Assert.Equal(Page, new FileInfo(path).Length);
    }

    [Fact]
    public void Pages_come_back_when_another_process_extends_the_file_again()
    {
        string path = files.CreatePattern(2 * Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        ChildProcess.Run("truncate", "--size", "0", path);
        Assert.Throws<MappingAccessException>(() => mapping.Read(Page, 1));

        ChildProcess.Run("truncate", "--size", (2 * Page).ToString(), path);

        Assert.All(mapping.Read(Page, Page), b => Assert.Equal(0, b));
    }
}
