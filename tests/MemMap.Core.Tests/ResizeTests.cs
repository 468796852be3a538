using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>Resize (mremap): grow, shrink and move real mappings; contents and protection kept.</summary>
[Collection(ExactAddressTests.Name)]
public sealed class ResizeTests : IDisposable
{
    private static readonly int Page = Environment.SystemPageSize;
    private readonly TempFiles files = new();

    public void Dispose() => files.Dispose();

    /// <summary>A private anonymous mapping of <paramref name="pages"/> pages with room for <paramref name="room"/> more pages after it.</summary>
    private static MemoryMapping AnonymousWithRoom(int pages, int room)
    {
        var mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = (pages + room) * Page, Private = true });
        mapping.Resize(pages * Page); // the freed tail is the room
        return mapping;
    }

    [Fact]
    public void Growing_in_place_keeps_the_contents_and_every_page_protection()
    {
        using MemoryMapping mapping = AnonymousWithRoom(pages: 4, room: 4);
        nint address = mapping.Address;
        mapping.Write(0, TempFiles.Pattern(4 * Page));
        mapping.Protect(MemoryProtection.Read, Page, Page);

        mapping.Resize(8 * Page, allowMove: false);

        Assert.Equal(address, mapping.Address);
        Assert.Equal(8 * Page, mapping.Length);
        Assert.Equal(TempFiles.Pattern(Page), mapping.Read(0, Page));
        Assert.Equal("r--p", MapsFile.PermissionsAt(mapping, Page));
        Assert.Equal("rw-p", MapsFile.PermissionsAt(mapping, 7 * Page));
        Assert.Equal(new byte[Page], mapping.Read(7 * Page, Page));
        Assert.Throws<MappingAccessException>(() => mapping.Write(Page, [1]));
        Assert.Equal(8 * Page, MapsFile.MappedBytes(mapping));
    }

    [Fact]
    public void Growing_without_room_moves_the_mapping_unless_NoMove_and_leaves_neighbours_alone()
    {
        using MemoryMapping mapping = AnonymousWithRoom(pages: 2, room: 1);
        mapping.Write(0, "before the move"u8);
        nint old = mapping.Address;
        using var blocker = new Blocker(old + 2 * Page, Page, 0xEE);

        var refused = Assert.Throws<SystemCallException>(() => mapping.Resize(4 * Page, allowMove: false));
        Assert.Equal(("mremap", "ENOMEM"), (refused.SystemCall, refused.ErrnoName));
        Assert.Contains("There is no free address space right after the mapping to grow into; allow it to move (leave out -NoMove).", refused.Message);
        Assert.Equal(2 * Page, mapping.Length);

        mapping.Resize(4 * Page);

        Assert.NotEqual(old, mapping.Address);
        Assert.Equal("before the move"u8.ToArray(), mapping.Read(0, 15));
        Assert.Equal(4 * Page, MapsFile.MappedBytes(mapping));
        Assert.True(blocker.Holds(0xEE));
    }

    [Fact]
    public void Shrinking_unmaps_the_tail_and_accesses_past_the_new_length_are_refused()
    {
        string path = files.CreatePattern(4 * Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);

        mapping.Resize(Page + 10);

        Assert.Equal(Page + 10, mapping.Length);
        Assert.Equal(2 * Page, mapping.MappedLength);
        Assert.Equal(2 * Page, MapsFile.MappedBytes(mapping, 4 * Page));
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Read(Page + 10, 1));
        Assert.Equal(TempFiles.Pattern(Page + 10), mapping.Read(0, Page + 10));
        Assert.Equal(4 * Page, new FileInfo(path).Length); // the file keeps every byte
    }

    [Fact]
    public void A_file_mapping_never_grows_past_the_end_of_its_file_unless_asked_to_extend_it()
    {
        string path = files.CreatePattern(Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);

        var error = Assert.Throws<ArgumentException>(() => mapping.Resize(3 * Page));
        Assert.Contains("ExtendFile", error.Message);
        Assert.Equal(Page, new FileInfo(path).Length);

        mapping.Resize(3 * Page, extendFile: true);
        mapping.Write(3 * Page - 4, "tail"u8);
        mapping.Sync();

        Assert.Equal(3 * Page, new FileInfo(path).Length);
        Assert.Equal("tail"u8.ToArray(), File.ReadAllBytes(path)[^4..]);
        Assert.Equal(TempFiles.Pattern(Page), File.ReadAllBytes(path)[..Page]);
    }

    [Fact]
    public void Growing_shared_anonymous_memory_past_its_pages_is_refused_but_within_its_last_page_works()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 100 });

        mapping.Resize(Page);
        Assert.Equal(Page, mapping.Length);

        var error = Assert.Throws<ArgumentException>(() => mapping.Resize(2 * Page));
        Assert.Contains("SIGBUS", error.Message);
        Assert.Equal(Page, mapping.Length);
    }

    [Fact]
    public void A_mapping_with_several_protections_grows_in_place_but_refuses_to_move()
    {
        using MemoryMapping mapping = AnonymousWithRoom(pages: 2, room: 1);
        mapping.Protect(MemoryProtection.Read, 0, Page);
        using var blocker = new Blocker(mapping.Address + 2 * Page, Page, 0xAB);

        var error = Assert.Throws<MappingOperationException>(() => mapping.Resize(4 * Page));

        Assert.Contains("2 kernel areas", error.Message);
        Assert.Equal(2 * Page, mapping.Length);
        Assert.True(blocker.Holds(0xAB));
    }

    /// <summary>
    /// A mapping at an offset into its file grows to the file's last byte exactly (no -ExtendFile
    /// needed), and one byte further is refused with the most it can grow to: the file's size less
    /// the mapping's offset.
    /// </summary>
    [Fact]
    public void A_file_mapping_at_an_offset_grows_exactly_to_the_end_of_its_file_and_not_one_byte_past_it()
    {
        string path = files.CreatePattern(4 * Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Offset = Page, Length = Page });

        mapping.Resize(3 * Page);
        Assert.Equal(3 * Page, mapping.Length);
        Assert.Equal(TempFiles.Pattern(4 * Page)[(3 * Page)..], mapping.Read(2 * Page, Page));

        var error = Assert.Throws<ArgumentException>(() => mapping.Resize(3 * Page + 1));
        Assert.Contains($"is {4 * Page} bytes long, so mapping {mapping.Id} can grow to at most {3 * Page} bytes", error.Message);
        Assert.Equal(3 * Page, mapping.Length);
        Assert.Equal(4 * Page, new FileInfo(path).Length);
    }

    /// <summary>A private mapping opens its file read-only, so -ExtendFile cannot extend it: ftruncate fails, with advice, and nothing changes.</summary>
    [Fact]
    public void Extending_the_file_of_a_private_mapping_is_refused_because_the_file_is_open_read_only()
    {
        string path = files.CreatePattern(Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Private = true });

        var error = Assert.Throws<SystemCallException>(() => mapping.Resize(2 * Page, extendFile: true));

        Assert.Equal("ftruncate", error.SystemCall);
        Assert.Contains("The file was opened read-only (a private or read-only mapping); extend it another way, or map it shared with Write.", error.Message);
        Assert.Equal(Page, mapping.Length);
        Assert.Equal(Page, new FileInfo(path).Length);
    }

    [Fact]
    public void A_mapping_with_a_hole_is_not_resized_and_the_refusal_names_the_hole()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 3 * Page, Private = true });
        mapping.Unmap(Page, Page);

        var error = Assert.Throws<MappingOperationException>(() => mapping.Resize(Page));

        Assert.StartsWith($"Mapping {mapping.Id} (", error.Message);
        Assert.Contains($"has unmapped pages ({new ByteRange(Page, Page)}); a mapping with a hole cannot be resized", error.Message);
        Assert.Equal(3 * Page, mapping.Length);
        Assert.Equal(2 * Page, MapsFile.MappedBytes(mapping, 3 * Page));

        using MemoryMapping twoHoles = MemoryMapping.MapAnonymous(new MappingOptions { Length = 5 * Page, Private = true });
        twoHoles.Unmap(Page, Page);
        twoHoles.Unmap(3 * Page, Page);
        Assert.Contains($"has unmapped pages ({new ByteRange(Page, Page)}, {new ByteRange(3 * Page, Page)});", Assert.Throws<MappingOperationException>(() => twoHoles.Resize(8 * Page)).Message);
    }

    /// <summary>A resize to the length a mapping has changes nothing, even when its file was truncated under it meanwhile (it checks the file only to grow).</summary>
    [Fact]
    public void A_resize_to_the_same_length_changes_nothing_even_after_the_file_was_truncated()
    {
        string path = files.CreatePattern(2 * Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        Assert.Equal(0, ChildProcess.Run("truncate", "--size", Page.ToString(), path).ExitCode);

        mapping.Resize(2 * Page);

        Assert.Equal(2 * Page, mapping.Length);
        Assert.Equal(Page, new FileInfo(path).Length);
        Assert.Equal(TempFiles.Pattern(Page), mapping.Read(0, Page));
    }

    /// <summary>
    /// -ExtendFile past the largest file the file system holds (ext4: 16 TiB with 4 KiB blocks) fails
    /// in ftruncate with EFBIG, saying the file could not be extended to that size, not that it is read-only;
    /// the mapping and the file are unchanged.
    /// </summary>
    [Fact]
    public void Extending_a_file_past_the_largest_the_file_system_holds_fails_with_EFBIG_and_changes_nothing()
    {
        string path = files.CreatePattern(Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        long tooLarge = 1L << 50; // 1 PiB
        if (ChildProcess.Run("truncate", "--size", tooLarge.ToString(), files.NewPath()).ExitCode == 0)
        {
            Assert.Fail($"This file system ({files.Folder}) holds a file of {tooLarge} bytes, so EFBIG cannot be tested here: run the tests with TMPDIR on ext4.");
        }

        var error = Assert.Throws<SystemCallException>(() => mapping.Resize(tooLarge, extendFile: true));

        Assert.Equal(("ftruncate", "EFBIG"), (error.SystemCall, error.ErrnoName));
        Assert.Contains($"The file could not be extended to {tooLarge} bytes.", error.Message);
        Assert.DoesNotContain("read-only", error.Message);
        Assert.Equal(Page, mapping.Length);
        Assert.Equal(Page, new FileInfo(path).Length);
    }

    /// <summary>
    /// A neighbour mapped right after a mapping, anonymous and read-write like it, joins the mapping's
    /// kernel area (the kernel merges compatible areas at mmap time). A growth must then mremap only the
    /// mapping's own part of that area: the whole area would shrink to the new length in place, and
    /// unmap the neighbour's tail.
    /// </summary>
    [Fact]
    public void Growing_a_mapping_whose_kernel_area_the_neighbour_joined_moves_only_the_mapping()
    {
        using MemoryMapping mapping = AnonymousWithRoom(pages: 2, room: 2);
        mapping.Write(0, TempFiles.Pattern(2 * Page));
        nint old = mapping.Address;
        using var neighbour = new Blocker(old + 2 * Page, 2 * Page, 0xEE);
        Assert.Contains(ProcessMemoryMap.Read(), region => region.Start == (ulong)old && region.End == (ulong)(old + 4 * Page)); // one area: merged

        mapping.Resize(3 * Page);

        Assert.NotEqual(old, mapping.Address); // no room in place: moved
        Assert.True(neighbour.Holds(0xEE), "the neighbour lost pages or bytes");
        Assert.Equal(3 * Page, MapsFile.MappedBytes(mapping));
        Assert.Equal(TempFiles.Pattern(2 * Page), mapping.Read(0, 2 * Page));
    }

    [Fact]
    public void ExtendFile_on_anonymous_memory_has_no_file_to_extend_and_grows_it_as_without()
    {
        using MemoryMapping mapping = AnonymousWithRoom(pages: 1, room: 1);
        mapping.Write(0, "kept"u8);

        mapping.Resize(2 * Page, extendFile: true);

        Assert.Equal(2 * Page, mapping.Length);
        Assert.Equal(2 * Page, MapsFile.MappedBytes(mapping));
        Assert.Equal("kept"u8.ToArray(), mapping.Read(0, 4));
    }

    /// <summary>CheckResize (what -WhatIf asks) refuses exactly what Resize would, with the same error, and changes nothing, not even the file -ExtendFile would extend.</summary>
    [Fact]
    public void CheckResize_refuses_what_Resize_would_with_the_same_error_and_changes_nothing()
    {
        using MemoryMapping shared = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });
        Assert.Equal(Assert.Throws<ArgumentException>(() => shared.Resize(2 * Page)).Message, Assert.Throws<ArgumentException>(() => shared.CheckResize(2 * Page, extendFile: false)).Message);
        Assert.Equal(Assert.Throws<ArgumentOutOfRangeException>(() => shared.Resize(0)).Message, Assert.Throws<ArgumentOutOfRangeException>(() => shared.CheckResize(0, extendFile: false)).Message);
        shared.CheckResize(Page - 1, extendFile: false); // a shrink within the page is allowed

        using MemoryMapping holed = MemoryMapping.MapAnonymous(new MappingOptions { Length = 3 * Page, Private = true });
        holed.Unmap(Page, Page);
        Assert.Equal(Assert.Throws<MappingOperationException>(() => holed.Resize(Page)).Message, Assert.Throws<MappingOperationException>(() => holed.CheckResize(Page, extendFile: false)).Message);

        string path = files.CreatePattern(Page);
        using MemoryMapping file = MemoryMapping.MapFile(path);
        Assert.Contains($"is {Page} bytes long, so mapping {file.Id} can grow to at most {Page} bytes", Assert.Throws<ArgumentException>(() => file.CheckResize(2 * Page, extendFile: false)).Message);
        file.CheckResize(2 * Page, extendFile: true);
        Assert.Equal((Page, Page), (file.Length, new FileInfo(path).Length)); // nothing grown, nothing extended
        // The holed mapping's two pages, each measured on its own: another thread may map its own memory into the hole.
        long holedMapped = MapsFile.MappedBytesOf(holed, new ProtectionRegion(0, Page, MemoryProtection.ReadWrite))
            + MapsFile.MappedBytesOf(holed, new ProtectionRegion(2 * Page, Page, MemoryProtection.ReadWrite));
        Assert.Equal((Page, 2 * Page), (shared.Length, holedMapped));

        file.Dispose();
        Assert.Throws<MappingClosedException>(() => file.CheckResize(Page, extendFile: false));
    }

    [Fact]
    public void Bad_lengths_and_removed_mappings_are_refused()
    {
        MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page, Private = true });
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Resize(0));
        Assert.StartsWith("The new length must be greater than 0, not -5; to remove the mapping use Remove-MemoryMapping.", Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Resize(-5)).Message);
        mapping.Dispose();
        Assert.Throws<MappingClosedException>(() => mapping.Resize(2 * Page));
    }
}
