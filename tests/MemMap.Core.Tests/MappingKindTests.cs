using System.Text;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>The four kinds of mapping behave as the textbooks say, on real kernel mappings.</summary>
public sealed class MappingKindTests : IDisposable
{
    private readonly TempFiles files = new();
    private static readonly int Page = Environment.SystemPageSize;

    public void Dispose() => files.Dispose();

    [Fact]
    public void A_file_is_mapped_whole_by_default_and_reads_back_its_bytes()
    {
        byte[] content = TempFiles.Pattern(3 * Page + 17);
        using MemoryMapping mapping = MemoryMapping.MapFile(files.Create(content));

        Assert.Equal(MappingKind.SharedFile, mapping.Kind);
        Assert.Equal(content.Length, mapping.Length);
        Assert.Equal(content, mapping.Read(0, content.Length));
    }

    [Fact]
    public void A_mapping_at_a_page_offset_sees_the_file_from_that_offset()
    {
        byte[] content = TempFiles.Pattern(4 * Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(files.Create(content), new MappingOptions { Offset = 2 * Page, Length = Page });

        Assert.Equal(content.AsSpan(2 * Page, Page).ToArray(), mapping.Read(0, Page));
        Assert.Equal(2 * Page, mapping.Offset);
    }

    [Fact]
    public void Shared_file_writes_reach_the_file_as_an_independent_FileStream_reads_it()
    {
        string path = files.CreatePattern(2 * Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);

        mapping.Write(Page + 5, "shared"u8);

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var seen = new byte[6];
        stream.Position = Page + 5;
        stream.ReadExactly(seen);
        Assert.Equal("shared", Encoding.ASCII.GetString(seen));
    }

    [Fact]
    public void Shared_file_writes_are_seen_by_a_second_process()
    {
        string path = files.CreatePattern(Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);

        mapping.Write(100, "from the parent"u8);

        (int exitCode, string output) = ChildProcess.RunChild("read", path, "100", "15");
        Assert.Equal(0, exitCode);
        Assert.Equal("from the parent", output);
    }

    [Fact]
    public void Private_file_writes_are_seen_by_the_writer_only_and_never_reach_the_file()
    {
        byte[] content = TempFiles.Pattern(Page);
        string path = files.Create(content);
        using MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Private = true });

        mapping.Write(100, "private"u8);
        mapping.Sync();

        Assert.Equal(MappingKind.PrivateFile, mapping.Kind);
        Assert.Equal("private", Encoding.ASCII.GetString(mapping.Read(100, 7)));
        Assert.Equal(content, File.ReadAllBytes(path));
        (int exitCode, string output) = ChildProcess.RunChild("read", path, "100", "7");
        Assert.Equal(0, exitCode);
        Assert.Equal(Encoding.UTF8.GetString(content, 100, 7), output);
    }

    [Fact]
    public void A_private_mapping_of_a_read_only_file_can_still_be_written_copy_on_write()
    {
        byte[] content = TempFiles.Pattern(Page);
        string path = files.Create(content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        if (Environment.UserName == "root")
        {
            // root opens a read-only file for writing anyway, so only another user shows that a private
            // mapping opens the file read-only: the experiment runs in a child process as 'nobody' (65534).
            File.SetUnixFileMode(files.Folder, File.GetUnixFileMode(files.Folder) | UnixFileMode.OtherExecute);
            Assert.Equal((0, "cow"), ChildProcess.RunChildAs("65534", "write-private", path, "cow"));
        }
        else
        {
            using MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Private = true });
            mapping.Write(0, "cow"u8);
            Assert.Equal("cow", Encoding.ASCII.GetString(mapping.Read(0, 3)));
        }
        Assert.Equal(content, File.ReadAllBytes(path));
    }

    [Theory]
    [InlineData(false, MappingKind.SharedAnonymous)]
    [InlineData(true, MappingKind.PrivateAnonymous)]
    public void Anonymous_memory_is_zero_filled_and_writable(bool isPrivate, MappingKind kind)
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 3 * Page, Private = isPrivate });

        Assert.Equal(kind, mapping.Kind);
        Assert.Null(mapping.Path);
        Assert.All(mapping.Read(0, 3 * Page), b => Assert.Equal(0, b));
        mapping.Write(2 * Page, "anon"u8);
        Assert.Equal("anon", Encoding.ASCII.GetString(mapping.Read(2 * Page, 4)));
    }

    [Fact]
    public void Lengths_round_up_to_pages_but_the_page_tail_past_Length_is_never_handed_out_or_written()
    {
        byte[] content = TempFiles.Pattern(100);
        string path = files.Create(content);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);

        Assert.Equal(100, mapping.Length);
        Assert.Equal(Page, mapping.MappedLength);
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Read(100, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Write(200, "tail"u8));
        mapping.Sync();

        Assert.Equal(content, File.ReadAllBytes(path));
    }

    [Fact]
    public void Create_makes_a_missing_file_and_extends_a_short_one_to_offset_plus_length()
    {
        string missing = files.NewPath();
        using (MemoryMapping created = MemoryMapping.MapFile(missing, new MappingOptions { Create = true, Length = 5000 }))
        {
            created.Write(4990, "end"u8);
        }
        Assert.Equal(5000, new FileInfo(missing).Length);
        Assert.Equal("end", Encoding.ASCII.GetString(File.ReadAllBytes(missing), 4990, 3));

        string shortFile = files.Create("abc"u8.ToArray());
        using MemoryMapping extended = MemoryMapping.MapFile(shortFile, new MappingOptions { Create = true, Offset = Page, Length = 10 });
        Assert.Equal(Page + 10, new FileInfo(shortFile).Length);
        Assert.Equal("abc", Encoding.ASCII.GetString(File.ReadAllBytes(shortFile), 0, 3));
    }

    [Theory]
    [InlineData(false, "rw-s")]
    [InlineData(true, "rw-p")]
    public void A_file_mapping_shows_in_proc_self_maps_with_its_path_and_sharing(bool isPrivate, string permissions)
    {
        string path = files.CreatePattern(2 * Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Private = isPrivate });

        ProcessMemoryRegion region = Assert.Single(MapsFile.RegionsOf(mapping));
        Assert.Equal((ulong)mapping.Address, region.Start);
        Assert.Equal((ulong)(2 * Page), region.Size);
        Assert.Equal(permissions, region.Permissions);
        Assert.Equal(path, region.Path);
    }

    [Fact]
    public void The_registry_lists_live_mappings_and_forgets_removed_ones()
    {
        string path = files.CreatePattern(Page);
        MemoryMapping first = MemoryMapping.MapFile(path);
        MemoryMapping second = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });
        Assert.True(second.Id > first.Id);
        Assert.Same(first, MappingRegistry.Find(first.Id));
        Assert.Contains(second, MappingRegistry.Live);

        first.Dispose();
        second.Dispose();

        Assert.Null(MappingRegistry.Find(first.Id));
        Assert.DoesNotContain(second, MappingRegistry.Live);
        Assert.False(first.IsOpen);
        Assert.DoesNotContain(ProcessMemoryMap.Read(), region => region.Path == path);
    }

    [Fact]
    public void Populate_Locked_and_NoReserve_reach_the_kernel_as_smaps_shows()
    {
        // Shared anonymous and file mappings: the kernel never merges them with a neighbour, so each is its own smaps block.
        using MemoryMapping populated = MemoryMapping.MapFile(files.CreatePattern(4 * Page), new MappingOptions { Populate = true, Protection = MemoryProtection.Read });
        using MemoryMapping locked = MemoryMapping.MapAnonymous(new MappingOptions { Length = 2 * Page, Locked = true });
        using MemoryMapping unreserved = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page, NoReserve = true });

        Assert.Equal($"{4 * Page / 1024} kB", MapsFile.SmapsOf(populated)["Rss"]);
        Assert.Contains("lo", MapsFile.SmapsOf(locked)["VmFlags"].Split(' '));
        Assert.Equal($"{2 * Page / 1024} kB", MapsFile.SmapsOf(locked)["Locked"]);
        Assert.Contains("nr", MapsFile.SmapsOf(unreserved)["VmFlags"].Split(' '));
        Assert.DoesNotContain("lo", MapsFile.SmapsOf(populated)["VmFlags"].Split(' '));
        Assert.DoesNotContain("nr", MapsFile.SmapsOf(populated)["VmFlags"].Split(' '));
    }
}
