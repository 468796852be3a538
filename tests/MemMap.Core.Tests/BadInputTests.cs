using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>Every bad request gets a clear, typed error; the process lives on and the data stays as it was.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly TempFiles files = new();
    private static readonly int Page = Environment.SystemPageSize;

    public void Dispose() => files.Dispose();

    [Fact]
    public void An_offset_that_is_not_a_multiple_of_the_page_size_is_refused()
    {
        string path = files.CreatePattern(2 * Page);

        var error = Assert.Throws<ArgumentException>(() => MemoryMapping.MapFile(path, new MappingOptions { Offset = 100 }));
        Assert.Contains("not a multiple of the page size", error.Message);
        Assert.Contains("read from 100", error.Message);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void An_offset_at_or_past_the_end_of_the_file_is_refused(int pages)
    {
        string path = files.CreatePattern(2 * Page);

        var error = Assert.Throws<ArgumentException>(() => MemoryMapping.MapFile(path, new MappingOptions { Offset = pages * Page }));
        Assert.Contains("past the end", error.Message);
    }

    [Fact]
    public void A_length_reaching_past_the_end_of_the_file_is_refused_without_Create_and_the_file_keeps_its_size()
    {
        string path = files.CreatePattern(Page);

        var error = Assert.Throws<ArgumentException>(() => MemoryMapping.MapFile(path, new MappingOptions { Length = 2 * Page }));
        Assert.Contains($"map at most {Page} bytes", error.Message);
        Assert.Equal(Page, new FileInfo(path).Length);
    }

    [Fact]
    public void An_empty_file_without_a_length_is_refused()
    {
        string path = files.Create([]);

        var error = Assert.Throws<ArgumentException>(() => MemoryMapping.MapFile(path));
        Assert.Contains("empty file", error.Message);
        Assert.Throws<ArgumentException>(() => MemoryMapping.MapFile(path, new MappingOptions { Create = true }));
    }

    [Fact]
    public void Create_without_a_length_is_refused_before_any_file_is_made()
    {
        string path = files.NewPath();

        var error = Assert.Throws<ArgumentException>(() => MemoryMapping.MapFile(path, new MappingOptions { Create = true }));
        Assert.Contains("Create needs a Length", error.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void A_read_larger_than_an_array_can_hold_is_refused_before_allocating()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 3L << 30, NoReserve = true, Private = true });

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Read(0, int.MaxValue));
        Assert.Contains("in parts", error.Message);
        Assert.Equal(new byte[16], mapping.Read((3L << 30) - 16, 16));
    }

    [Theory]
    [InlineData(-4096L, null, "Offset must not be negative, not -4096.")]
    [InlineData(0L, 0L, "Length must be greater than 0, not 0.")]
    [InlineData(0L, -1L, "Length must be greater than 0, not -1.")]
    [InlineData(4096L, long.MaxValue, "Offset 4096 + Length 9223372036854775807 overflows.")]
    [InlineData(long.MinValue, 1L, "Offset must not be negative, not -9223372036854775808.")]
    public void Negative_zero_and_overflowing_offsets_and_lengths_are_refused_at_creation(long offset, long? length, string reason)
    {
        string path = files.CreatePattern(Page);
        var options = new MappingOptions { Offset = offset, Length = length, Create = true };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => MemoryMapping.MapFile(path, options));
        Assert.StartsWith(reason, error.Message);
        Assert.Equal(Page, new FileInfo(path).Length);
    }

    [Theory]
    [InlineData(-1L, 1)]
    [InlineData(0L, -1)]
    [InlineData(4096L, 1)]
    [InlineData(4095L, 2)]
    [InlineData(long.MaxValue, 1)]
    [InlineData(long.MinValue, 0)]
    public void Reads_and_writes_outside_the_mapping_are_refused(long offset, int count)
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });

        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Read(offset, count));
        if (count >= 0)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Write(offset, new byte[count]));
        }
    }

    [Fact]
    public void A_write_to_a_read_only_mapping_is_refused_and_changes_nothing()
    {
        byte[] content = TempFiles.Pattern(Page);
        string path = files.Create(content);
        using MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Protection = MemoryProtection.Read });

        var error = Assert.Throws<MappingAccessException>(() => mapping.Write(0, "nope"u8));
        Assert.Equal(MappingAccessFault.Protection, error.Fault);
        Assert.Contains($"mapping {mapping.Id}", error.Message);
        Assert.Contains(path, error.Message);
        Assert.Equal(content, mapping.Read(0, Page));
        Assert.Equal(content, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_read_of_a_PROT_NONE_page_is_refused()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 2 * Page, Protection = MemoryProtection.None });

        var error = Assert.Throws<MappingAccessException>(() => mapping.Read(Page, 1));
        Assert.Equal(Page, error.Offset);
        Assert.Equal(MemoryProtection.Read, error.Access);
        Assert.Contains("protected None", error.Message);
    }

    [Fact]
    public void Every_use_after_removal_fails_with_MappingClosedException_and_removing_twice_is_harmless()
    {
        MemoryMapping mapping = MemoryMapping.MapFile(files.CreatePattern(Page));
        mapping.Dispose();
        mapping.Dispose();

        Assert.False(mapping.IsOpen);
        Assert.Throws<MappingClosedException>(() => mapping.Read(0, 1));
        Assert.Throws<MappingClosedException>(() => mapping.Write(0, "x"u8));
        Assert.Throws<MappingClosedException>(() => mapping.Sync());
        Assert.Throws<MappingClosedException>(() => mapping.Protect(MemoryProtection.Read));
        var error = Assert.Throws<MappingClosedException>(() => mapping.Read(0, 0));
        Assert.Equal(mapping.Id, error.MappingId);
    }

    [Fact]
    public void A_missing_file_is_refused_with_ENOENT_and_advice_to_use_Create()
    {
        string path = files.NewPath();

        var error = Assert.Throws<SystemCallException>(() => MemoryMapping.MapFile(path));
        Assert.Equal("open", error.SystemCall);
        Assert.Equal("ENOENT", error.ErrnoName);
        Assert.Contains("Create", error.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void A_directory_is_refused()
    {
        Assert.Throws<ArgumentException>(() => MemoryMapping.MapFile(files.Folder, new MappingOptions { Protection = MemoryProtection.Read }));
        var error = Assert.Throws<SystemCallException>(() => MemoryMapping.MapFile(files.Folder));
        Assert.Equal("EISDIR", error.ErrnoName);
    }

    [Fact]
    public void Anonymous_memory_needs_a_length_and_no_offset_or_Create()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MemoryMapping.MapAnonymous(new MappingOptions()));
        Assert.Throws<ArgumentException>(() => MemoryMapping.MapAnonymous(new MappingOptions { Length = Page, Offset = Page }));
        Assert.Throws<ArgumentException>(() => MemoryMapping.MapAnonymous(new MappingOptions { Length = Page, Create = true }));
    }

    [Fact]
    public void A_file_the_user_may_not_write_refuses_a_shared_writable_mapping_but_allows_reading_and_private()
    {
        byte[] content = TempFiles.Pattern(Page);
        string path = files.Create(content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        if (Environment.UserName == "root")
        {
            // root ignores file modes, so the experiment runs in a real child process as 'nobody' (65534).
            File.SetUnixFileMode(files.Folder, File.GetUnixFileMode(files.Folder) | UnixFileMode.OtherExecute);
            (int refused, string refusal) = ChildProcess.RunChildAs("65534", "map", path, "ReadWrite");
            Assert.Equal(1, refused);
            Assert.Contains("SystemCallException: open failed", refusal);
            Assert.Contains("EACCES", refusal);
            Assert.Equal((0, "mapped"), ChildProcess.RunChildAs("65534", "map", path, "Read"));
            Assert.Equal((0, "mapped"), ChildProcess.RunChildAs("65534", "map", path, "ReadWrite", "private"));
        }
        else
        {
            var error = Assert.Throws<SystemCallException>(() => MemoryMapping.MapFile(path));
            Assert.Equal("EACCES", error.ErrnoName);
            Assert.Contains("Read protection only", error.Message);
            MemoryMapping.MapFile(path, new MappingOptions { Protection = MemoryProtection.Read }).Dispose();
        }
        Assert.Equal(content, File.ReadAllBytes(path));
    }
}
