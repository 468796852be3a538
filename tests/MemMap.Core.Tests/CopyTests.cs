using System.Globalization;
using System.Text.RegularExpressions;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>
/// MemoryMapping.CopyTo (Copy-MappedByte): memmove within a mapping, memcpy between two, by every
/// access path; both ranges checked before a byte moves; a page that vanishes mid-copy (a file
/// truncated by another process) stops it with an exact count of the bytes copied.
/// </summary>
public sealed partial class CopyTests : IDisposable
{
    private readonly TempFiles files = new();
    private static readonly int Page = Environment.SystemPageSize;

    public void Dispose() => files.Dispose();

    /// <summary>Where each overlapping move in one mapping goes: down (ascending copy) and up (descending copy), across page edges.</summary>
    public static TheoryData<string, long, long, long> Overlaps()
    {
        var data = new TheoryData<string, long, long, long>();
        foreach (string path in new[] { "Direct", "Guarded", "Kernel" })
        {
            data.Add(path, 100, 3, 3 * Page + 5);            // down by 97 bytes
            data.Add(path, 3, 100, 3 * Page + 5);            // up by 97 bytes
            data.Add(path, Page + 1, 0, 3 * Page);           // down by more than a page
            data.Add(path, 0, Page + 1, 3 * Page);           // up by more than a page
            data.Add(path, 2 * Page + 5, 0, 3 * Page - 10);  // down by two pages and more: chunks of two pages
            data.Add(path, 0, 2 * Page + 5, 3 * Page - 10);  // up by two pages and more
            data.Add(path, 17, 17, 2 * Page);                // onto itself
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Overlaps))]
    public void Overlapping_ranges_in_one_mapping_copy_as_memmove_in_both_directions(string path, long from, long to, long count)
    {
        int length = 5 * Page;
        byte[] content = TempFiles.Pattern(length);
        using MemoryMapping mapping = path == "Direct"
            ? MemoryMapping.MapAnonymous(new MappingOptions { Length = length, Private = true })
            : MemoryMapping.MapFile(files.Create(content));
        if (path == "Direct")
        {
            mapping.Write(0, content);
        }
        if (path == "Kernel")
        {
            mapping.ReadPath = AccessPath.Kernel;
            mapping.WritePath = AccessPath.Kernel;
        }
        byte[] expected = (byte[])content.Clone();
        Array.Copy(content, from, expected, to, count); // Array.Copy copies overlapping ranges as memmove does

        mapping.CopyTo(from, count, mapping, to);

        Assert.Equal(expected, mapping.Read(0, length));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_file_copied_into_another_through_two_mappings_is_the_same_byte_for_byte(bool throughKernel)
    {
        int length = 64 * Page + 123; // a partial last page
        var content = new byte[length];
        new Random(18).NextBytes(content);
        string sourcePath = files.Create(content);
        string destinationPath = files.NewPath();
        using (MemoryMapping source = MemoryMapping.MapFile(sourcePath, new MappingOptions { Protection = MemoryProtection.Read }))
        using (MemoryMapping destination = MemoryMapping.MapFile(destinationPath, new MappingOptions { Create = true, Length = length }))
        {
            if (throughKernel)
            {
                source.ReadPath = AccessPath.Kernel;
                destination.WritePath = AccessPath.Kernel;
            }
            source.CopyTo(0, length, destination, 0);
            destination.Sync();
        }

        Assert.Equal((0, ""), ChildProcess.Run("cmp", sourcePath, destinationPath));
    }

    [Fact]
    public void A_range_copied_to_another_offset_of_another_file_lands_there_and_nowhere_else()
    {
        string sourcePath = files.CreatePattern(4 * Page);
        string destinationPath = files.Create(new byte[4 * Page]);
        using MemoryMapping source = MemoryMapping.MapFile(sourcePath);
        using MemoryMapping destination = MemoryMapping.MapFile(destinationPath);

        source.CopyTo(Page - 7, Page + 9, destination, 2 * Page - 1);
        destination.Sync();

        byte[] expected = new byte[4 * Page];
        Array.Copy(TempFiles.Pattern(4 * Page), Page - 7, expected, 2 * Page - 1, Page + 9);
        Assert.Equal(expected, File.ReadAllBytes(destinationPath));
    }

    [Fact]
    public void Ranges_out_of_bounds_or_onto_protected_or_unmapped_pages_are_refused_before_any_byte_moves()
    {
        byte[] content = TempFiles.Pattern(4 * Page);
        using MemoryMapping source = MemoryMapping.MapFile(files.Create(content));
        using MemoryMapping destination = MemoryMapping.MapAnonymous(new MappingOptions { Length = 4 * Page, Private = true });
        byte[] zeros = new byte[4 * Page];

        Assert.Throws<ArgumentOutOfRangeException>(() => source.CopyTo(0, 2 * Page, destination, 2 * Page + 1)); // destination past Length
        Assert.Throws<ArgumentOutOfRangeException>(() => source.CopyTo(3 * Page, Page + 1, destination, 0));  // source past Length
        Assert.Throws<ArgumentOutOfRangeException>(() => source.CopyTo(0, -1, destination, 0));

        destination.Protect(MemoryProtection.Read, 3 * Page, Page);
        var protectedError = Assert.Throws<MappingAccessException>(() => source.CopyTo(0, 4 * Page, destination, 0));
        Assert.Equal((MappingAccessFault.Protection, destination.Id, 3L * Page), (protectedError.Fault, protectedError.MappingId, protectedError.Offset));
        destination.Protect(MemoryProtection.ReadWrite, 3 * Page, Page);

        source.Protect(MemoryProtection.None, 2 * Page, Page);
        var unreadable = Assert.Throws<MappingAccessException>(() => source.CopyTo(0, 4 * Page, destination, 0));
        Assert.Equal((MappingAccessFault.Protection, source.Id, MemoryProtection.Read), (unreadable.Fault, unreadable.MappingId, unreadable.Access));
        source.Protect(MemoryProtection.ReadWrite, 2 * Page, Page);

        destination.Unmap(Page, Page);
        var hole = Assert.Throws<MappingAccessException>(() => source.CopyTo(0, 4 * Page, destination, 0));
        Assert.Equal(MappingAccessFault.Unmapped, hole.Fault);

        Assert.Equal(zeros.AsSpan(0, Page).ToArray(), destination.Read(0, Page));
        Assert.Equal(zeros.AsSpan(0, 2 * Page).ToArray(), destination.Read(2 * Page, 2 * Page));
        Assert.Equal(content, source.Read(0, 4 * Page));
    }

    [Fact]
    public void A_removed_mapping_on_either_side_is_a_clean_error()
    {
        using MemoryMapping live = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });
        MemoryMapping removed = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });
        removed.Dispose();

        Assert.Throws<MappingClosedException>(() => live.CopyTo(0, 10, removed, 0));
        Assert.Throws<MappingClosedException>(() => removed.CopyTo(0, 10, live, 0));
    }

    [Theory]
    [InlineData("Guarded")]
    [InlineData("Kernel")]
    public void A_source_truncated_by_another_process_stops_the_copy_with_the_count_of_bytes_copied(string path)
    {
        byte[] content = TempFiles.Pattern(8 * Page);
        string file = files.Create(content);
        using MemoryMapping source = MemoryMapping.MapFile(file);
        using MemoryMapping destination = MemoryMapping.MapAnonymous(new MappingOptions { Length = 8 * Page, Private = true });
        destination.Fill(0, 8 * Page, 0xEE);
        if (path == "Kernel")
        {
            source.ReadPath = AccessPath.Kernel;
        }
        Assert.Equal((0, ""), ChildProcess.Run("truncate", "--size", (3 * Page - 10).ToString(CultureInfo.InvariantCulture), file));

        var error = Assert.Throws<MappingAccessException>(() => source.CopyTo(Page, 6 * Page, destination, Page));

        // Pages 1 and 2 of the file are still there (page 2 in part): a copy between two mappings runs upwards.
        Assert.Equal((MappingAccessFault.BeyondEndOfFile, source.Id, MemoryProtection.Read, 3L * Page), (error.Fault, error.MappingId, error.Access, error.Offset));
        Assert.Equal(2L * Page, Copied(error));
        Assert.Contains($"The first {2 * Page} bytes were copied", error.Message);
        byte[] after = destination.Read(0, 8 * Page);
        Assert.Equal(content.AsSpan(Page, 2 * Page - 10).ToArray(), after.AsSpan(Page, 2 * Page - 10).ToArray());
        Assert.All(after.AsSpan(3 * Page - 10, 10).ToArray(), b => Assert.Equal(0, b)); // past the end of the file, its last page reads as zeros
        Assert.All(after.AsSpan(3 * Page).ToArray(), b => Assert.Equal(0xEE, b));
        Assert.All(after.AsSpan(0, Page).ToArray(), b => Assert.Equal(0xEE, b));
        Assert.Contains($"the file is now {3 * Page - 10} bytes long", error.Message);
    }

    [Fact]
    public void A_destination_truncated_by_another_process_stops_the_copy_at_its_end_of_file()
    {
        string file = files.Create(new byte[8 * Page]);
        using MemoryMapping destination = MemoryMapping.MapFile(file);
        using MemoryMapping source = MemoryMapping.MapAnonymous(new MappingOptions { Length = 8 * Page, Private = true });
        byte[] content = TempFiles.Pattern(8 * Page);
        source.Write(0, content);
        Assert.Equal((0, ""), ChildProcess.Run("truncate", "--size", (5 * Page).ToString(CultureInfo.InvariantCulture), file));

        var error = Assert.Throws<MappingAccessException>(() => source.CopyTo(0, 8 * Page, destination, 0));

        Assert.Equal((MappingAccessFault.BeyondEndOfFile, destination.Id, MemoryProtection.Write, 5L * Page), (error.Fault, error.MappingId, error.Access, error.Offset));
        long moved = Copied(error);
        Assert.Equal(5L * Page, moved);
        Assert.Equal(content.AsSpan(0, (int)moved).ToArray(), File.ReadAllBytes(file).AsSpan(0, (int)moved).ToArray());
        Assert.Equal(5L * Page, new FileInfo(file).Length); // never re-extended
    }

    [Fact]
    public void A_move_up_a_truncated_file_stops_before_it_touches_a_byte()
    {
        byte[] content = TempFiles.Pattern(8 * Page);
        string file = files.Create(content);
        using MemoryMapping mapping = MemoryMapping.MapFile(file);
        Assert.Equal((0, ""), ChildProcess.Run("truncate", "--size", (6 * Page).ToString(CultureInfo.InvariantCulture), file));

        var error = Assert.Throws<MappingAccessException>(() => mapping.CopyTo(0, 4 * Page, mapping, 3 * Page)); // descending: the vanished end first

        Assert.Equal(0, Copied(error));
        Assert.Equal((MappingAccessFault.BeyondEndOfFile, MemoryProtection.Write), (error.Fault, error.Access));
        Assert.Equal(content.AsSpan(0, 6 * Page).ToArray(), mapping.Read(0, 6 * Page));
    }

    [Fact]
    public void An_overlapping_move_down_a_truncated_file_copies_exactly_the_pages_before_the_end_unspoiled()
    {
        // Down by 4 pages (a chunk of the guarded move), the source faulting in the middle of the
        // second chunk: redoing that chunk page by page must not re-read source bytes the partial
        // chunk already overwrote.
        byte[] content = TempFiles.Pattern(16 * Page);
        string file = files.Create(content);
        using MemoryMapping mapping = MemoryMapping.MapFile(file);
        Assert.Equal((0, ""), ChildProcess.Run("truncate", "--size", (10 * Page).ToString(CultureInfo.InvariantCulture), file));

        var error = Assert.Throws<MappingAccessException>(() => mapping.CopyTo(4 * Page, 12 * Page, mapping, 0));

        Assert.Equal(6L * Page, Copied(error));
        Assert.Equal((MappingAccessFault.BeyondEndOfFile, 10L * Page), (error.Fault, error.Offset));
        Assert.Equal(content.AsSpan(4 * Page, 6 * Page).ToArray(), mapping.Read(0, 6 * Page));
        Assert.Equal(content.AsSpan(6 * Page, 4 * Page).ToArray(), mapping.Read(6 * Page, 4 * Page)); // the source pages not yet overwritten
    }

    [Fact]
    public void A_file_truncated_while_a_large_copy_runs_leaves_an_exact_prefix_or_a_whole_copy()
    {
        int length = 32 << 20;
        string file = files.CreatePattern(length);
        byte[] content = File.ReadAllBytes(file);
        using MemoryMapping source = MemoryMapping.MapFile(file, new MappingOptions { Protection = MemoryProtection.Read });
        using MemoryMapping destination = MemoryMapping.MapAnonymous(new MappingOptions { Length = length, Private = true });
        for (int round = 0; round < 4; round++)
        {
            File.WriteAllBytes(file, content);
            destination.Fill(0, length, 0xEE);
            using var truncate = System.Diagnostics.Process.Start("truncate", ["--size", (length / 2).ToString(CultureInfo.InvariantCulture), file]);
            try
            {
                source.CopyTo(0, length, destination, 0);
                truncate.WaitForExit();
                Assert.Equal(content, destination.Read(0, length)); // copied before the truncation
            }
            catch (MappingAccessException error)
            {
                truncate.WaitForExit();
                Assert.Equal(MappingAccessFault.BeyondEndOfFile, error.Fault);
                long moved = Copied(error);
                byte[] after = destination.Read(0, length);
                Assert.Equal(content.AsSpan(0, (int)moved).ToArray(), after.AsSpan(0, (int)moved).ToArray());
                // Past the count, a copy racing the truncation may have moved more (glibc copies large
                // ranges several pages at a time): each byte there is the source's, or untouched.
                for (int i = (int)moved; i < length; i++)
                {
                    Assert.True(after[i] == 0xEE || after[i] == content[i], $"byte {i} past the {moved} bytes copied is {after[i]}: neither the source's nor untouched");
                }
            }
        }
    }

    /// <summary>The bytes the error says were copied.</summary>
    private static long Copied(MappingAccessException error) =>
        long.Parse(CopiedCount().Match(error.Message).Groups[1].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^Copied (\d+) of \d+ bytes")]
    private static partial Regex CopiedCount();
}
