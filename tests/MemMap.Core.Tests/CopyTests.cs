using System.Globalization;
using System.Text.RegularExpressions;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>
/// MemoryMapping.CopyTo (Copy-MappedByte): memmove within a mapping, memcpy between two, by every
/// access path; both ranges checked before a byte moves (bounds, protection, and the files' current
/// ends); a page that vanishes mid-copy (a file truncated by another process) stops it with the
/// count of the bytes copied.
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
    public void A_source_truncated_by_another_process_is_refused_before_a_byte_moves(string path)
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

        // The file's current end, to the byte (inside its last page, whose tail is no part of the file).
        Assert.Equal((MappingAccessFault.BeyondEndOfFile, source.Id, MemoryProtection.Read, 3L * Page - 10), (error.Fault, error.MappingId, error.Access, error.Offset));
        Assert.Contains($"the file is now {3 * Page - 10} bytes long", error.Message);
        Assert.All(destination.Read(0, 8 * Page), b => Assert.Equal(0xEE, b));
    }

    [Fact]
    public void A_destination_truncated_by_another_process_is_refused_before_a_byte_moves()
    {
        string file = files.Create(new byte[8 * Page]);
        using MemoryMapping destination = MemoryMapping.MapFile(file);
        using MemoryMapping source = MemoryMapping.MapAnonymous(new MappingOptions { Length = 8 * Page, Private = true });
        source.Write(0, TempFiles.Pattern(8 * Page));
        Assert.Equal((0, ""), ChildProcess.Run("truncate", "--size", (5 * Page + 7).ToString(CultureInfo.InvariantCulture), file));

        var error = Assert.Throws<MappingAccessException>(() => source.CopyTo(0, 8 * Page, destination, 0));

        Assert.Equal((MappingAccessFault.BeyondEndOfFile, destination.Id, MemoryProtection.Write, 5L * Page + 7), (error.Fault, error.MappingId, error.Access, error.Offset));
        Assert.All(File.ReadAllBytes(file), b => Assert.Equal(0, b));
        Assert.Equal(5L * Page + 7, new FileInfo(file).Length); // never re-extended
    }

    [Theory]
    [InlineData(0, 3)] // up: the destination reaches past the end
    [InlineData(4, 0)] // down: the source reaches past the end
    public void A_move_within_a_truncated_file_is_refused_before_a_byte_moves(int fromPage, int toPage)
    {
        byte[] content = TempFiles.Pattern(16 * Page);
        string file = files.Create(content);
        using MemoryMapping mapping = MemoryMapping.MapFile(file);
        Assert.Equal((0, ""), ChildProcess.Run("truncate", "--size", (6 * Page + 100).ToString(CultureInfo.InvariantCulture), file));

        var error = Assert.Throws<MappingAccessException>(() => mapping.CopyTo(fromPage * Page, 4 * Page, mapping, toPage * Page));

        Assert.Equal((MappingAccessFault.BeyondEndOfFile, 6L * Page + 100), (error.Fault, error.Offset));
        Assert.Equal(content.AsSpan(0, 6 * Page + 100).ToArray(), mapping.Read(0, 6 * Page + 100));
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
                // Past the count, a byte is the source's or untouched, never anything else: the count is
                // exact for the copy that faulted, but a truncation that goes on while the faulting chunk
                // is redone page by page may stop the redo below where the first try had got to.
                int stray = Enumerable.Range((int)moved, length - (int)moved).FirstOrDefault(at => after[at] != content[at] && after[at] != 0xEE, -1);
                Assert.Equal(-1, stray);
            }
        }
    }

    /// <summary>The bytes the error says were copied.</summary>
    private static long Copied(MappingAccessException error) =>
        CopiedCount().Match(error.Message) is { Success: true } copied
            ? long.Parse(copied.Groups[1].Value, CultureInfo.InvariantCulture)
            : 0; // refused before a byte moved: the range already reached past the file's end

    [GeneratedRegex(@"^Copied (\d+) of \d+ bytes")]
    private static partial Regex CopiedCount();
}
