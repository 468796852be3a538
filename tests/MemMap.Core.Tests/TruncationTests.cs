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

    /// <summary>A 2-page file (or shared-memory object) of the pattern, mapped as <paramref name="kind"/>; the path to truncate.</summary>
    private static MemoryMapping MapTwoPages(MappingKind kind, TempFiles files, string shmName, out string path)
    {
        byte[] content = TempFiles.Pattern(2 * Page);
        if (kind == MappingKind.SharedMemory)
        {
            path = "/dev/shm" + shmName;
            File.WriteAllBytes(path, content);
            return MemoryMapping.MapSharedMemory(shmName);
        }
        path = files.Create(content);
        return MemoryMapping.MapFile(path, new MappingOptions { Private = kind == MappingKind.PrivateFile });
    }

    private static string ShmName() => $"/memmap-truncation-{Environment.ProcessId}-{Guid.NewGuid():N}";

    [Theory]
    [InlineData(MappingKind.SharedFile)]
    [InlineData(MappingKind.PrivateFile)]
    [InlineData(MappingKind.SharedMemory)]
    public void No_byte_at_or_past_a_truncated_end_inside_the_last_page_is_written_or_read(MappingKind kind)
    {
        string shm = ShmName();
        using MemoryMapping mapping = MapTwoPages(kind, files, shm, out string path);
        try
        {
            int end = Page + Page / 2 - 144; // 6000 with 4 KiB pages: the last page is partial
            Assert.Equal((0, ""), ChildProcess.Run("truncate", "-s", end.ToString(), path));

            MappingAccessException Refused(Action access, long at)
            {
                var error = Assert.Throws<MappingAccessException>(access);
                Assert.Equal(MappingAccessFault.BeyondEndOfFile, error.Fault);
                Assert.Equal(at, error.Offset);
                return error;
            }
            Assert.Contains($"now {end} bytes long", Refused(() => mapping.Write(end + 1000, [0x42]), end + 1000).Message);
            Refused(() => mapping.Write(end - 10, new byte[20]), end);
            Refused(() => mapping.Write(end, [1]), end);
            Refused(() => mapping.Fill(end - 1, 2, 0x42), end);
            Refused(() => mapping.WriteValue(end - 4, 7L), end);
            Refused(() => mapping.Read(end + 1000, 1), end + 1000);
            Refused(() => mapping.Read(end - 1, 2), end);
            Refused(() => mapping.ReadValue<int>(end - 2), end);
            Refused(() => _ = mapping.Find([0xAB, 0xCD]).Count(), end);

            Assert.Equal(TempFiles.Pattern(end).AsSpan(end - 10).ToArray(), mapping.Read(end - 10, 10)); // nothing of the refused writes
            mapping.Write(end - 1, [0x42]); // the last byte of the file is still there
            Assert.Equal(0x42, mapping.Read(end - 1, 1)[0]);

            Assert.Equal((0, ""), ChildProcess.Run("truncate", "-s", (2 * Page).ToString(), path));
            byte[] file = File.ReadAllBytes(path);
            Assert.All(file.AsSpan(end).ToArray(), b => Assert.Equal(0, b)); // no refused byte reappears
            Assert.Equal(kind == MappingKind.PrivateFile ? TempFiles.Pattern(end)[end - 1] : 0x42, file[end - 1]);
            Assert.Equal(0, mapping.Read(end + 1000, 1)[0]); // back inside the file: usable again
        }
        finally
        {
            if (kind == MappingKind.SharedMemory) MemoryMapping.UnlinkSharedMemory(shm);
        }
    }

    /// <summary>Every truncated length, every kind: each 1-byte write and read before the end works, each at or past it is refused; this covers the sentinel page (see MemoryMapping.Access.cs) whether it survives the cut, is cut, or holds the end.</summary>
    [Theory]
    [InlineData(MappingKind.SharedFile)]
    [InlineData(MappingKind.PrivateFile)]
    [InlineData(MappingKind.SharedMemory)]
    public void Every_offset_before_the_current_end_works_and_every_one_after_it_is_refused(MappingKind kind)
    {
        string shm = ShmName();
        byte[] content = TempFiles.Pattern(4 * Page);
        string path;
        if (kind == MappingKind.SharedMemory)
        {
            path = "/dev/shm" + shm;
            File.WriteAllBytes(path, content);
        }
        else
        {
            path = files.Create(content);
        }
        using MemoryMapping mapping = kind == MappingKind.SharedMemory ? MemoryMapping.MapSharedMemory(shm)
            : MemoryMapping.MapFile(path, new MappingOptions { Private = kind == MappingKind.PrivateFile });
        try
        {
            foreach (int end in new[] { 3 * Page + 10, 4 * Page - 1, Page + 1, 2 * Page, 3, 4 * Page })
            {
                Assert.Equal((0, ""), ChildProcess.Run("truncate", "-s", end.ToString(), path));
                foreach (int at in new[] { 0, 1, Page - 1, Page, 2 * Page + 5, 3 * Page, 3 * Page + 9, 3 * Page + 10, 4 * Page - 2, 4 * Page - 1 })
                {
                    if (at < end)
                    {
                        mapping.Write(at, [0x5A]);
                        Assert.Equal(0x5A, mapping.Read(at, 1)[0]);
                    }
                    else
                    {
                        Assert.Equal(MappingAccessFault.BeyondEndOfFile, Assert.Throws<MappingAccessException>(() => mapping.Write(at, [0x5A])).Fault);
                        Assert.Equal(MappingAccessFault.BeyondEndOfFile, Assert.Throws<MappingAccessException>(() => mapping.Read(at, 1)).Fault);
                    }
                }
            }
        }
        finally
        {
            if (kind == MappingKind.SharedMemory) MemoryMapping.UnlinkSharedMemory(shm);
        }
    }

    [Fact]
    public void A_last_page_protected_None_leaves_the_end_check_exact()
    {
        string path = files.CreatePattern(4 * Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        mapping.Protect(MemoryProtection.None, 3 * Page, Page);
        ChildProcess.Run("truncate", "-s", (2 * Page + 10).ToString(), path);

        mapping.Write(2 * Page + 9, [1]);
        Assert.Equal(MappingAccessFault.BeyondEndOfFile, Assert.Throws<MappingAccessException>(() => mapping.Write(2 * Page + 10, [1])).Fault);
        mapping.Write(5, [1]);
        Assert.Equal(2 * Page + 10, new FileInfo(path).Length);
    }

    [Theory]
    [InlineData(MappingKind.SharedFile)]
    [InlineData(MappingKind.SharedMemory)]
    public void Sync_after_a_truncation_below_what_the_mapping_holds_is_an_error_that_names_it(MappingKind kind)
    {
        string shm = ShmName();
        using MemoryMapping mapping = MapTwoPages(kind, files, shm, out string path);
        try
        {
            mapping.Sync();
            ChildProcess.Run("truncate", "-s", "6000", path);

            var error = Assert.Throws<MappingAccessException>(() => mapping.Sync());
            Assert.Equal(MappingAccessFault.BeyondEndOfFile, error.Fault);
            Assert.Equal(6000, error.Offset);
            Assert.Contains("truncated", error.Message);
            Assert.Contains("now 6000 bytes long", error.Message);
            Assert.Throws<MappingAccessException>(() => mapping.Sync(5990, 20, SyncMode.Asynchronous));
            mapping.Sync(0, Page); // a range still inside the file
            mapping.Sync(0, 6000);
        }
        finally
        {
            if (kind == MappingKind.SharedMemory) MemoryMapping.UnlinkSharedMemory(shm);
        }
    }

    [Fact]
    public void Sync_of_a_private_mapping_after_a_truncation_succeeds_since_it_writes_nothing_back()
    {
        using MemoryMapping mapping = MapTwoPages(MappingKind.PrivateFile, files, "", out string path);
        ChildProcess.Run("truncate", "-s", "6000", path);

        mapping.Sync();
    }
}
