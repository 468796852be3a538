using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>
/// The checks every read and write passes before a byte moves (MemoryMapping.Access.cs), to the
/// byte: the mapping's length, its holes and protections, and the current end of its file, with
/// the messages that say what to do.
/// </summary>
public sealed class AccessCheckTests : IDisposable
{
    private static readonly int Page = Environment.SystemPageSize;
    private readonly TempFiles files = new();

    public void Dispose() => files.Dispose();

    /// <summary>
    /// An access may reach the last byte of Length (and an empty one may start right after it); one
    /// byte further is refused, naming the range, the last offset and what to do (another advice for
    /// memory than for a file). Negative offsets and counts are not ranges.
    /// </summary>
    [Theory]
    [InlineData("memory")]
    [InlineData("file")]
    public void Accesses_up_to_the_last_byte_are_done_and_one_byte_past_it_is_refused_with_the_range_named(string backing)
    {
        long length = 3 * Page - 5;
        using MemoryMapping mapping = backing == "file"
            ? MemoryMapping.MapFile(files.CreatePattern((int)length))
            : MemoryMapping.MapAnonymous(new MappingOptions { Length = length, Private = true });
        string advice = backing == "file"
            ? "To get more room, grow it with Resize-MemoryMapping -ExtendFile, or map it anew with New-MemoryMapping -Create -Length."
            : "Map more memory, or grow it with Resize-MemoryMapping.";

        mapping.Write(length - 2, "ab"u8);
        Assert.Equal("ab"u8.ToArray(), mapping.Read(length - 2, 2));
        Assert.Empty(mapping.Read(length, 0));
        mapping.Write(length, []);

        void Refused(Action access, string reason)
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(access);
            Assert.StartsWith($"Mapping {mapping.Id} (", error.Message);
            Assert.Contains($"holds {length} bytes (offsets 0 to {length - 1}); {reason}. {advice}", error.Message);
        }

        Refused(() => mapping.Read(length - 1, 2), $"offset {length - 1} with count 2 reaches byte {length}, past its end");
        Refused(() => mapping.Read(0, (int)length + 1), $"offset 0 with count {length + 1} reaches byte {length}, past its end");
        Refused(() => mapping.Write(length, "x"u8), $"offset {length} with count 1 reaches byte {length}, past its end");
        Refused(() => mapping.Read(length + 1, 0), $"offset {length + 1} with count 0 reaches byte {length}, past its end");
        Refused(() => mapping.Read(-1, 1), "offset -1 with count 1 is not a range (both must be 0 or more)");
        Refused(() => mapping.Read(0, -1), "offset 0 with count -1 is not a range (both must be 0 or more)");
        Assert.Equal("ab"u8.ToArray(), mapping.Read(length - 2, 2)); // nothing was written by the refused write
    }

    /// <summary>
    /// A file mapping at an offset into its file, the file truncated by another process to inside
    /// the mapping: on every path, reads and writes up to the file's last byte are done, and an access
    /// that reaches one byte past it is refused with BeyondEndOfFile at the first byte past the end
    /// (the mapping's offset taken off), touching nothing.
    /// </summary>
    [Theory]
    [InlineData("Guarded")]
    [InlineData("Kernel")]
    [InlineData("File")]
    public void After_a_truncation_accesses_up_to_the_files_last_byte_are_done_and_one_byte_past_it_is_refused(string pathName)
    {
        AccessPath path = Enum.Parse<AccessPath>(pathName); // internal: a test's parameter must be public
        string file = files.CreatePattern(5 * Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(file, new MappingOptions { Offset = Page, Length = 4 * Page });
        mapping.ReadPath = path;
        if (path != AccessPath.File)
        {
            mapping.WritePath = path;
        }
        long size = 3 * Page + 100; // the end is 100 bytes into the mapping's third page (offset 2 * Page + 100)
        long end = size - Page;
        Assert.Equal(0, ChildProcess.Run("truncate", "--size", size.ToString(), file).ExitCode);

        Assert.Equal(TempFiles.Pattern(5 * Page)[(int)(size - 10)..(int)size], mapping.Read(end - 10, 10));
        Assert.Equal(TempFiles.Pattern(5 * Page)[Page..(int)size], mapping.Read(0, (int)end));
        mapping.Write(end - 1, "z"u8);
        Assert.Empty(mapping.Read(end + 5, 0)); // an empty access touches no byte, so none past the end either

        void BeyondTheEnd(Action access, long at, string nothing)
        {
            var error = Assert.Throws<MappingAccessException>(access);
            Assert.Equal(MappingAccessFault.BeyondEndOfFile, error.Fault);
            Assert.Equal(at, error.Offset);
            Assert.Contains($"at offset {at}: the file is now {size} bytes long", error.Message);
            Assert.Contains(nothing, error.Message);
        }

        BeyondTheEnd(() => mapping.Read(end - 10, 11), end, "Nothing was read.");
        BeyondTheEnd(() => mapping.Read(end + 5, 1), end + 5, "Nothing was read.");
        BeyondTheEnd(() => mapping.Write(end - 1, "zz"u8), end, "Nothing was written.");
        Assert.Equal(size, new FileInfo(file).Length);
        Assert.Equal((byte)'z', File.ReadAllBytes(file)[^1]);
        Assert.Equal("z"u8.ToArray(), mapping.Read(end - 1, 1));
    }

    /// <summary>The refusal of a protected page or a hole names the offset of the first page that denies the access and what to do.</summary>
    [Fact]
    public void A_denied_access_names_the_page_the_protection_or_hole_there_and_what_to_do()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 4 * Page, Private = true });
        mapping.Protect(MemoryProtection.None, Page, Page);
        mapping.Protect(MemoryProtection.Read, 2 * Page, Page);
        mapping.Unmap(3 * Page, Page);

        var none = Assert.Throws<MappingAccessException>(() => mapping.Read(Page - 1, 2));
        Assert.Equal((MappingAccessFault.Protection, (long)Page), (none.Fault, none.Offset));
        Assert.StartsWith($"Cannot read mapping {mapping.Id} (", none.Message);
        Assert.EndsWith($"at offset {Page}: the page there is protected None. Change its protection to allow Read first (Set-MappingProtection).", none.Message);

        var readOnly = Assert.Throws<MappingAccessException>(() => mapping.Write(2 * Page + 7, "x"u8));
        Assert.Equal((MappingAccessFault.Protection, 2L * Page + 7), (readOnly.Fault, readOnly.Offset));
        Assert.StartsWith($"Cannot write mapping {mapping.Id} (", readOnly.Message);
        Assert.EndsWith($"at offset {2 * Page + 7}: the page there is protected Read. Change its protection to allow Write first (Set-MappingProtection).", readOnly.Message);

        var hole = Assert.Throws<MappingAccessException>(() => mapping.Read(3 * Page - 1, 2));
        Assert.Equal((MappingAccessFault.Unmapped, 3L * Page), (hole.Fault, hole.Offset));
        Assert.StartsWith($"Cannot read mapping {mapping.Id} (", hole.Message);
        Assert.EndsWith($"at offset {3 * Page}: offsets {3 * Page} to {4 * Page - 1} were unmapped (Remove-MemoryMapping -Offset -Count). Use the pages that are still mapped.", hole.Message);
    }

    /// <summary>The path setters refuse a path the mapping's kind does not allow, naming the mapping, its kind and the path.</summary>
    [Fact]
    public void A_path_the_mapping_does_not_allow_is_refused_with_the_mapping_and_path_named()
    {
        using MemoryMapping memory = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page, Private = true });

        var read = Assert.Throws<ArgumentException>(() => memory.ReadPath = AccessPath.File);
        Assert.StartsWith($"Mapping {memory.Id} (PrivateAnonymous) cannot be read by the File path.", read.Message);
        var write = Assert.Throws<ArgumentException>(() => memory.WritePath = AccessPath.File);
        Assert.StartsWith($"Mapping {memory.Id} (PrivateAnonymous) cannot be written by the File path.", write.Message);
        Assert.Equal((AccessPath.Direct, AccessPath.Direct), (memory.ReadPath, memory.WritePath));

        // Anonymous memory may take the guarded copy (huge pages do, by default); a device may not.
        memory.ReadPath = AccessPath.Guarded;
        memory.WritePath = AccessPath.Guarded;
        memory.Write(7, "ok"u8);
        Assert.Equal("ok"u8.ToArray(), memory.Read(7, 2));
        using MemoryMapping device = MemoryMapping.MapFile("/dev/zero", new MappingOptions { Length = Page, Private = true });
        var guarded = Assert.Throws<ArgumentException>(() => device.WritePath = AccessPath.Guarded);
        Assert.StartsWith($"Mapping {device.Id} (PrivateFile) cannot be written by the Guarded path.", guarded.Message);
    }

    /// <summary>
    /// CheckBytes (what a cmdlet asks before -WhatIf) refuses exactly what the write itself refuses,
    /// with the same message, and a removed mapping; it writes nothing.
    /// </summary>
    [Fact]
    public void CheckBytes_refuses_the_range_a_write_refuses_with_its_message_and_a_removed_mapping()
    {
        long length = 2 * Page - 3;
        MemoryMapping mapping = MemoryMapping.MapFile(files.CreatePattern((int)length));
        using (mapping)
        {
            mapping.CheckBytes(0, length);
            mapping.CheckBytes(length, 0);
            foreach ((long offset, int count) in new[] { (length - 1, 2), (length + 1, 0), (-1L, 1) })
            {
                var write = Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Write(offset, new byte[count]));
                var check = Assert.Throws<ArgumentOutOfRangeException>(() => mapping.CheckBytes(offset, count));
                Assert.Contains($"offset {offset} with count {count} ", check.Message);
                Assert.Equal(write.Message, check.Message);
            }
            Assert.Contains("offset 0 with count -1 is not a range", Assert.Throws<ArgumentOutOfRangeException>(() => mapping.CheckBytes(0, -1)).Message);
            Assert.Equal(TempFiles.Pattern((int)length), mapping.Read(0, (int)length));
        }
        Assert.Throws<MappingClosedException>(() => mapping.CheckBytes(0, 1));
    }

    /// <summary>
    /// CheckValues refuses what WriteValues refuses, before a byte is written: a missing list, a
    /// value that does not fit the type (inside the range), and values whose bytes (count times
    /// size) reach past the end by one byte, with WriteValues' message.
    /// </summary>
    [Fact]
    public void CheckValues_refuses_a_missing_list_a_value_that_does_not_fit_and_values_one_byte_past_the_end()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page, Private = true });

        mapping.CheckValues(typeof(int), Page - 8, [1, 2]);
        mapping.CheckValues(typeof(byte), 0, [1, "255"]);
        Assert.Throws<ArgumentNullException>(() => mapping.CheckValues(typeof(int), 0, null!));
        var fit = Assert.Throws<ArgumentException>(() => mapping.CheckValues(typeof(byte), 0, [1, 300]));
        Assert.StartsWith("300 does not fit in Byte", fit.Message);
        var write = Assert.Throws<ArgumentOutOfRangeException>(() => mapping.WriteValues(typeof(int), Page - 7, [1, 2]));
        var check = Assert.Throws<ArgumentOutOfRangeException>(() => mapping.CheckValues(typeof(int), Page - 7, [1, 2]));
        Assert.Contains($"offset {Page - 7} with count 8 reaches byte {Page}, past its end", check.Message);
        Assert.Equal(write.Message, check.Message);
        Assert.Equal(new byte[Page], mapping.Read(0, Page));
    }
}
