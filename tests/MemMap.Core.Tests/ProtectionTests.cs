using System.Text;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>mprotect changes what the kernel shows and what MemMap allows, with typed errors instead of signals.</summary>
public sealed class ProtectionTests : IDisposable
{
    private readonly TempFiles files = new();
    private static readonly int Page = Environment.SystemPageSize;

    public void Dispose() => files.Dispose();

    [Fact]
    public void None_then_Read_then_ReadWrite_show_in_proc_self_maps_and_gate_reads_and_writes()
    {
        byte[] content = TempFiles.Pattern(2 * Page);
        string path = files.Create(content);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);

        mapping.Protect(MemoryProtection.None);
        Assert.Equal("---s", MapsFile.PermissionsAt(mapping, 0));
        Assert.Equal(MemoryProtection.None, mapping.Protection);
        var readError = Assert.Throws<MappingAccessException>(() => mapping.Read(10, 5));
        Assert.Equal(MappingAccessFault.Protection, readError.Fault);
        Assert.Equal(10, readError.Offset);
        Assert.Throws<MappingAccessException>(() => mapping.Write(10, "x"u8));

        mapping.Protect(MemoryProtection.Read);
        Assert.Equal("r--s", MapsFile.PermissionsAt(mapping, 0));
        Assert.Equal(content.AsSpan(10, 5).ToArray(), mapping.Read(10, 5));
        var writeError = Assert.Throws<MappingAccessException>(() => mapping.Write(10, "x"u8));
        Assert.Equal(MemoryProtection.Write, writeError.Access);

        mapping.Protect(MemoryProtection.ReadWrite);
        Assert.Equal("rw-s", MapsFile.PermissionsAt(mapping, 0));
        mapping.Write(10, "x"u8);
        Assert.Equal((byte)'x', File.ReadAllBytes(path)[10]);
    }

    [Fact]
    public void Protecting_a_run_of_pages_changes_only_those_pages()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 4 * Page, Private = true });

        mapping.Protect(MemoryProtection.Read, Page, Page + 1); // rounds up to two whole pages

        Assert.Equal("rw-p", MapsFile.PermissionsAt(mapping, 0));
        Assert.Equal("r--p", MapsFile.PermissionsAt(mapping, Page));
        Assert.Equal("r--p", MapsFile.PermissionsAt(mapping, 2 * Page));
        Assert.Equal("rw-p", MapsFile.PermissionsAt(mapping, 3 * Page));
        Assert.Equal(
            [new(0, Page, MemoryProtection.ReadWrite), new(Page, 2 * Page, MemoryProtection.Read), new(3 * Page, Page, MemoryProtection.ReadWrite)],
            mapping.ProtectionRegions);
        mapping.Write(Page - 2, "ok"u8);
        var error = Assert.Throws<MappingAccessException>(() => mapping.Write(Page - 2, "bad"u8));
        Assert.Equal(Page, error.Offset);
        Assert.Equal("ok", Encoding.ASCII.GetString(mapping.Read(Page - 2, 2)));
        Assert.Equal(MemoryProtection.Read, mapping.Protection); // what every page allows, never more
        Assert.False(mapping.IsProtectionUniform);

        mapping.Protect(MemoryProtection.ReadWrite, Page, 2 * Page);
        Assert.Equal([new(0, 4 * Page, MemoryProtection.ReadWrite)], mapping.ProtectionRegions);
        Assert.True(mapping.IsProtectionUniform);
        Assert.Equal(MemoryProtection.ReadWrite, mapping.Protection);
    }

    [Fact]
    public void Protection_needs_a_page_aligned_offset()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 2 * Page });

        var error = Assert.Throws<ArgumentException>(() => mapping.Protect(MemoryProtection.Read, Page + 100));
        Assert.StartsWith($"Protection applies to whole pages: offset {Page + 100} is not a multiple of the page size ({Page}). Use offset {Page}.", error.Message);
        Assert.Equal("rw-s", MapsFile.PermissionsAt(mapping, 0));
    }

    [Fact]
    public void An_unknown_protection_bit_is_refused()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });

        Assert.Throws<ArgumentException>(() => mapping.Protect((MemoryProtection)0x10));
        Assert.Throws<ArgumentException>(() => MemoryMapping.MapAnonymous(new MappingOptions { Length = Page, Protection = (MemoryProtection)0x10 }));
    }

    [Fact]
    public void A_shared_mapping_created_read_only_cannot_be_made_writable_because_its_file_is_open_read_only()
    {
        string path = files.CreatePattern(Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Protection = MemoryProtection.Read });

        var error = Assert.Throws<SystemCallException>(() => mapping.Protect(MemoryProtection.ReadWrite));
        Assert.Equal("mprotect", error.SystemCall);
        Assert.Equal("EACCES", error.ErrnoName);
        Assert.Contains("The file was opened read-only because the mapping was created without Write; map it with Write (or as private) to make it writable.", error.Message);
        Assert.Equal("r--s", MapsFile.PermissionsAt(mapping, 0));
        Assert.Equal(MemoryProtection.Read, mapping.Protection);
    }

    [Fact]
    public void Protecting_a_range_over_a_hole_is_refused_with_the_operation_and_the_hole_named()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 3 * Page, Private = true });
        mapping.Unmap(Page, Page);

        var error = Assert.Throws<MappingAccessException>(() => mapping.Protect(MemoryProtection.Read, 0, 2 * Page));

        Assert.Equal(MappingAccessFault.Unmapped, error.Fault);
        Assert.StartsWith($"Cannot protect mapping {mapping.Id} (", error.Message);
        Assert.Contains($"offsets {Page} to {2 * Page - 1} were unmapped", error.Message);
        Assert.Equal("rw-p", MapsFile.PermissionsAt(mapping, 0)); // nothing protected
    }

    /// <summary>
    /// A range whose first pages allow the access and whose later pages do not (PROT_NONE, read-only)
    /// is refused with the typed error naming the first page that denies it: every page of the range is
    /// checked, not only the first. Run on the kernel-copy path, where an unchecked page is an EFAULT
    /// (another error), never a signal, so a check that misses the later pages fails here by name.
    /// </summary>
    [Theory]
    [InlineData("anonymous")]
    [InlineData("file")]
    public void A_range_whose_later_pages_deny_the_access_gives_the_protection_error_at_the_first_denying_page(string memory)
    {
        MemoryMapping mapping = memory == "file"
            ? MemoryMapping.MapFile(files.CreatePattern(4 * Page))
            : MemoryMapping.MapAnonymous(new MappingOptions { Length = 4 * Page, Private = true });
        using (mapping)
        {
            mapping.ReadPath = AccessPath.Kernel;
            mapping.WritePath = AccessPath.Kernel;
            mapping.Protect(MemoryProtection.None, 2 * Page, Page);
            mapping.Protect(MemoryProtection.Read, 3 * Page, Page);
            byte[] lastPage = mapping.Read(3 * Page, Page);

            void Refused(Action access, long offset, MemoryProtection wanted)
            {
                var error = Assert.Throws<MappingAccessException>(access);
                Assert.Equal(MappingAccessFault.Protection, error.Fault);
                Assert.Equal(offset, error.Offset);
                Assert.Equal(wanted, error.Access);
                Assert.Equal(mapping.Id, error.MappingId);
            }

            Refused(() => mapping.Read(Page, 2 * Page), 2 * Page, MemoryProtection.Read);
            Refused(() => mapping.Read(10, 4 * Page - 10), 2 * Page, MemoryProtection.Read);
            Refused(() => mapping.ReadValues<long>(2 * Page - 16, 4), 2 * Page, MemoryProtection.Read);
            Refused(() => { _ = mapping.Find([0xEE, 0xEF], Page).ToList(); }, 2 * Page, MemoryProtection.Read);
            Refused(() => mapping.Write(Page, new byte[2 * Page]), 2 * Page, MemoryProtection.Write);
            Refused(() => mapping.Fill(0, 4 * Page, 1), 2 * Page, MemoryProtection.Write);
            Refused(() => mapping.WriteValues<long>(2 * Page - 8, [1, 2]), 2 * Page, MemoryProtection.Write);
            mapping.Protect(MemoryProtection.ReadWrite, 2 * Page, Page); // now only the read-only last page denies writes
            Refused(() => mapping.Write(3 * Page - 4, new byte[8]), 3 * Page, MemoryProtection.Write);
            Refused(() => mapping.Fill(Page, 3 * Page, 1), 3 * Page, MemoryProtection.Write);
            Assert.Equal(lastPage, mapping.Read(3 * Page, Page)); // the read-only page kept its bytes
        }
    }
}
