using System.Text;
using MemMap.Tests.Helpers;
using MemMap.Tests.Reliability;

namespace MemMap.Tests;

/// <summary>
/// msync puts the data in the file. Reading the file back proves nothing (a MAP_SHARED write is in the
/// page cache at once), so the tests watch the page cache itself with cachestat(2): a page written
/// through the mapping is dirty, and clean once a synchronous Sync returns.
/// </summary>
public sealed class SyncTests : IDisposable
{
    private readonly TempFiles files = new();
    private static readonly int Page = Environment.SystemPageSize;

    public void Dispose() => files.Dispose();

    [Fact]
    public void Data_a_child_wrote_and_synced_is_in_the_file_after_the_child_is_killed_with_SIGKILL()
    {
        string path = files.CreatePattern(2 * Page);
        using var child = ChildProcess.StartChild(["write-sync-wait", path, (Page + 3).ToString(), "durable"]);

        Assert.Equal("synced", child.StandardOutput.ReadLine());
        child.Kill(); // SIGKILL: no exit handlers, no flush of anything but what msync already wrote.
        child.WaitForExit();

        byte[] onDisk = File.ReadAllBytes(path);
        Assert.Equal("durable", Encoding.ASCII.GetString(onDisk, Page + 3, 7));
        Assert.Equal(TempFiles.Pattern(2 * Page).AsSpan(0, Page).ToArray(), onDisk.AsSpan(0, Page).ToArray());
    }

    /// <summary>A file of <paramref name="pages"/> pages whose pages are all clean (written and fsynced).</summary>
    private string CreateCleanFile(int pages)
    {
        string path = files.NewPath();
        using var file = new FileStream(path, FileMode.CreateNew);
        file.Write(TempFiles.Pattern(pages * Page));
        file.Flush(flushToDisk: true);
        return path;
    }

    /// <summary>Dirty plus under-write-back pages of [offset, offset + length); skips on a kernel without cachestat.</summary>
    private static ulong Unwritten(string path, long offset, long length)
    {
        PageCache.Counts? counts = PageCache.Cachestat(path, offset, length);
        Skip.If(counts is null, "this kernel has no cachestat(2) (Linux 6.5 or later), which the test needs to see msync write the pages back; run it on Linux 6.5+");
        return counts!.Value.Dirty + counts.Value.Writeback;
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_synchronous_Sync_of_a_range_writes_its_dirty_pages_back_before_it_returns(bool invalidate)
    {
        string path = CreateCleanFile(4);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        Assert.Equal(0UL, Unwritten(path, 0, 4 * Page));
        mapping.Write(Page + 100, "range"u8);
        Assert.True(Unwritten(path, Page, Page) > 0, "the write through the mapping left no dirty page: the test cannot see msync");

        mapping.Sync(Page + 99, 10, SyncMode.Synchronous, invalidate);

        Assert.Equal(0UL, Unwritten(path, Page, Page));
    }

    [SkippableFact]
    public void A_Sync_without_a_range_writes_back_every_mapped_page_and_skips_the_holes()
    {
        string path = CreateCleanFile(4);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        mapping.Unmap(Page, Page);
        mapping.Write(0, "first"u8);
        mapping.Write(3 * Page, "last"u8);
        Assert.True(Unwritten(path, 0, Page) > 0 && Unwritten(path, 3 * Page, Page) > 0);

        mapping.Sync();

        Assert.Equal(0UL, Unwritten(path, 0, Page));
        Assert.Equal(0UL, Unwritten(path, 3 * Page, Page));
    }

    [SkippableFact]
    public void An_asynchronous_Sync_returns_without_waiting_and_a_synchronous_one_then_writes_the_pages_back()
    {
        // Linux's MS_ASYNC starts no I/O (mm/msync.c: "MS_ASYNC does not start I/O ... Now it doesn't do
        // anything"): the pages stay dirty for the flusher threads (30 s by default), so Async must not be MS_SYNC.
        string path = CreateCleanFile(2);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        mapping.Write(10, "async"u8);

        mapping.Sync(0, 20, SyncMode.Asynchronous);
        Assert.True(Unwritten(path, 0, Page) > 0, "an asynchronous Sync waited for the write-back, as MS_SYNC does");

        mapping.Sync(0, 20);
        Assert.Equal(0UL, Unwritten(path, 0, Page));
    }

    [SkippableFact]
    public void A_Sync_of_a_range_writes_back_that_range_and_leaves_the_pages_outside_it_dirty()
    {
        // 2 MiB apart: the page cache tracks dirtiness per folio (up to 2 MiB), so nearer pages could share one.
        const int Apart = 2 << 20;
        string path = files.NewPath();
        using (var file = new FileStream(path, FileMode.CreateNew))
        {
            file.Write(new byte[4 * Apart]);
            file.Flush(flushToDisk: true);
        }
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        mapping.Write(Apart + 100, "first"u8);
        mapping.Write(2 * Apart + 100, "second"u8);
        mapping.Write(3 * Apart + 100, "outside"u8);

        mapping.Sync(Apart + 99, Apart + 10); // from inside the first page to inside the second's

        Assert.Equal(0UL, Unwritten(path, Apart, Page));
        Assert.Equal(0UL, Unwritten(path, 2 * Apart, Page));
        Assert.True(Unwritten(path, 3 * Apart, Page) > 0, "a Sync of a range also wrote back a page outside it");

        mapping.Sync(3 * Apart); // from an offset to the end
        Assert.Equal(0UL, Unwritten(path, 3 * Apart, Page));
    }

    [Fact]
    public void Invalidating_locked_pages_is_refused_by_msync_with_EBUSY()
    {
        string path = files.CreatePattern(2 * Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        mapping.Lock(0, Page);

        var error = Assert.Throws<SystemCallException>(() => mapping.Sync(0, 1, SyncMode.Synchronous, invalidate: true));
        Assert.Equal("msync", error.SystemCall);
        Assert.Equal("EBUSY", error.ErrnoName);
        Assert.DoesNotContain("could not be written", error.Message); // that advice is for EIO only
        mapping.Sync(0, 1); // without MS_INVALIDATE the locked page syncs
        mapping.Sync(Page, 1, SyncMode.Synchronous, invalidate: true); // and the unlocked one invalidates
    }

    [Fact]
    public void An_offset_past_the_end_without_a_count_is_refused_as_past_the_end()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Sync(Page + 1));
        Assert.Contains($"offset {Page + 1} with count 0 reaches byte {Page}, past its end", error.Message);
        mapping.Sync(Page); // the end itself is an empty range
    }

    [Fact]
    public void A_range_that_touches_a_hole_is_refused_with_the_hole_named()
    {
        string path = files.CreatePattern(3 * Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        mapping.Unmap(Page, Page);

        var error = Assert.Throws<MappingAccessException>(() => mapping.Sync(100, 2 * Page));
        Assert.Equal(MappingAccessFault.Unmapped, error.Fault);
        Assert.Equal(Page, error.Offset);
        Assert.Contains($"Cannot sync mapping {mapping.Id} (", error.Message);
        Assert.Contains($"from offset 0 to {3 * Page - 1}: offsets {Page} to {2 * Page - 1} were unmapped", error.Message);
        Assert.Equal(Page, Assert.Throws<MappingAccessException>(() => mapping.Sync(0, 2 * Page)).Offset); // from offset 0 too
        mapping.Sync(2 * Page, 1); // the pages after the hole still sync
    }

    [Theory]
    [InlineData(SyncMode.Synchronous, false)]
    [InlineData(SyncMode.Asynchronous, false)]
    [InlineData(SyncMode.Synchronous, true)]
    [InlineData(SyncMode.Asynchronous, true)]
    public void Every_mode_accepts_an_unaligned_range_by_widening_it_to_whole_pages(SyncMode mode, bool invalidate)
    {
        string path = files.CreatePattern(3 * Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        mapping.Write(Page + 100, "range"u8);

        mapping.Sync(Page + 99, 10, mode, invalidate);

        Assert.Equal("range", Encoding.ASCII.GetString(File.ReadAllBytes(path), Page + 100, 5));
    }

    [Fact]
    public void Sync_of_anonymous_memory_is_harmless()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page, Private = true });
        mapping.Write(0, "x"u8);

        mapping.Sync();

        Assert.Equal("x", Encoding.ASCII.GetString(mapping.Read(0, 1)));
    }

    /// <summary>
    /// A shared mapping of a 4-page file at Offset one page (3 pages long), the file then truncated by
    /// another process to 2 pages + 100 bytes: the mapping's offsets Page + 100 and on are past the end.
    /// </summary>
    private (MemoryMapping Mapping, string Path, long Size) MapAtAPageThenTruncate(bool isPrivate = false)
    {
        string path = files.CreatePattern(4 * Page);
        MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Offset = Page, Private = isPrivate });
        Assert.Equal(3 * Page, mapping.Length);
        long size = 2 * Page + 100;
        Assert.Equal((0, ""), ChildProcess.Run("truncate", "--size", size.ToString(), path));
        return (mapping, path, size);
    }

    /// <summary>The end of the BeyondEndOfFile message, with the bytes the range needs and the offsets lost.</summary>
    private static string Lost(long size, long needed, long from, long to) =>
        $"but the file is now {size} bytes long: it was truncated (by another process?) below the {needed} bytes this range of the mapping holds, "
        + $"so offsets {from} to {to} are not in the file, and anything written there is lost. Extend the file again and write those bytes again, or remove the mapping and map the file anew.";

    [Fact]
    public void A_Sync_of_a_mapping_whose_file_was_truncated_writes_back_what_is_left_then_names_the_offsets_lost()
    {
        (MemoryMapping mapping, string path, long size) = MapAtAPageThenTruncate();
        using (mapping)
        {
            mapping.Write(Page + 90, "kept"u8); // the last bytes still in the file: mapping offset Page + 100 is file offset size

            var error = Assert.Throws<MappingAccessException>(() => mapping.Sync());

            Assert.Equal((MappingAccessFault.BeyondEndOfFile, mapping.Id, MemoryProtection.Write, Page + 100L), (error.Fault, error.MappingId, error.Access, error.Offset));
            Assert.StartsWith($"Synced mapping {mapping.Id} ({path}), ", error.Message);
            Assert.EndsWith(Lost(size, 4 * Page, Page + 100, 3 * Page - 1), error.Message);
            Assert.Equal("kept", Encoding.ASCII.GetString(File.ReadAllBytes(path), 2 * Page + 90, 4)); // flushed before the report

            // From an offset without a count: to the end of the mapping, past the file's end too.
            error = Assert.Throws<MappingAccessException>(() => mapping.Sync(Page));
            Assert.Equal(Page + 100L, error.Offset);
            Assert.EndsWith(Lost(size, 4 * Page, Page + 100, 3 * Page - 1), error.Message);
        }
    }

    [Fact]
    public void After_a_truncation_a_range_that_ends_at_the_new_end_syncs_and_one_byte_more_is_refused()
    {
        (MemoryMapping mapping, _, long size) = MapAtAPageThenTruncate();
        using (mapping)
        {
            mapping.Sync(Page, 100); // ends exactly at the file's new end
            mapping.Sync(0, Page + 100);

            var error = Assert.Throws<MappingAccessException>(() => mapping.Sync(Page, 101));
            Assert.Equal((MappingAccessFault.BeyondEndOfFile, Page + 100L), (error.Fault, error.Offset));
            Assert.EndsWith(Lost(size, 2 * Page + 101, Page + 100, Page + 100), error.Message);

            // A range wholly past the new end: its own start is the first offset lost.
            error = Assert.Throws<MappingAccessException>(() => mapping.Sync(2 * Page, 10));
            Assert.Equal((MappingAccessFault.BeyondEndOfFile, 2L * Page), (error.Fault, error.Offset));
            Assert.EndsWith(Lost(size, 3 * Page + 10, 2 * Page, 2 * Page + 9), error.Message);
        }
    }

    [Fact]
    public void After_a_truncation_an_empty_range_past_the_new_end_syncs_nothing_and_is_not_refused()
    {
        (MemoryMapping mapping, _, _) = MapAtAPageThenTruncate();
        using (mapping)
        {
            mapping.Sync(2 * Page, 0);
            mapping.Sync(mapping.Length); // without a count: the empty range at the mapping's end
        }
    }

    [Fact]
    public void A_private_mapping_of_a_truncated_file_syncs_without_error_as_its_changes_never_go_to_the_file()
    {
        (MemoryMapping mapping, _, _) = MapAtAPageThenTruncate(isPrivate: true);
        using (mapping)
        {
            mapping.Sync();
            mapping.Sync(2 * Page, 10);
        }
    }

    [Fact]
    public void Sync_of_shared_anonymous_memory_is_harmless()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 2 * Page });
        mapping.Write(Page, "x"u8);

        mapping.Sync();
        mapping.Sync(Page, 1);

        Assert.Equal("x", Encoding.ASCII.GetString(mapping.Read(Page, 1)));
    }

    [Fact]
    public void NothingToSync_says_why_a_private_file_mapping_and_anonymous_memory_write_nothing()
    {
        string path = files.CreatePattern(Page);
        using MemoryMapping privateFile = MemoryMapping.MapFile(path, new MappingOptions { Private = true });
        using MemoryMapping privateMemory = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page, Private = true });
        using MemoryMapping sharedMemory = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });

        Assert.Equal($"Mapping {privateFile.Id} is private (copy-on-write): its changes are its own copies and never reach {path}, so Sync wrote nothing. Map the file shared (without -Private) to write to it.", privateFile.NothingToSync);
        Assert.Equal($"Mapping {privateMemory.Id} is anonymous memory: it has no file, so Sync had nothing to write.", privateMemory.NothingToSync);
        Assert.Equal($"Mapping {sharedMemory.Id} is anonymous memory: it has no file, so Sync had nothing to write.", sharedMemory.NothingToSync);
    }

    [Fact]
    public void NothingToSync_is_null_for_a_shared_file_and_for_a_shared_memory_object()
    {
        string name = $"/memmap-sync-{Environment.ProcessId}-{Guid.NewGuid():N}";
        using MemoryMapping file = MemoryMapping.MapFile(files.CreatePattern(Page));
        using MemoryMapping shm = MemoryMapping.MapSharedMemory(name, new MappingOptions { Length = Page });
        MemoryMapping.UnlinkSharedMemory(name);

        Assert.Null(file.NothingToSync);
        Assert.Equal(MappingKind.SharedMemory, shm.Kind);
        Assert.Null(shm.NothingToSync);
    }

    [Theory]
    [InlineData(-1L, 1L)]
    [InlineData(0L, -1L)]
    [InlineData(1L, long.MaxValue)]
    [InlineData(long.MaxValue, 1L)]
    public void A_range_outside_the_mapping_is_refused(long offset, long count)
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Sync(offset, count));
        Assert.Contains($"Mapping {mapping.Id}", error.Message);
    }
}
