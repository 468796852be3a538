using MemMap.Interop;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>
/// A kernel copy (process_vm_readv/writev) that stops early, on a page every check allowed, is a
/// typed Refused error at the first byte not copied, saying what most likely happened: a page
/// reprotected outside MemMap (here, behind its back) stops the copy with EFAULT, never a signal.
/// </summary>
[Collection(ExactAddressTests.Name)]
public sealed class KernelRefusalTests : IDisposable
{
    private static readonly int Page = Environment.SystemPageSize;
    private readonly TempFiles files = new();

    public void Dispose() => files.Dispose();

    [Fact]
    public void A_file_page_reprotected_outside_MemMap_stops_a_kernel_read_and_write_with_Refused_saying_no_byte_past_it_moved()
    {
        using MemoryMapping mapping = MemoryMapping.MapFile(files.CreatePattern(3 * Page));
        mapping.ReadPath = AccessPath.Kernel;
        mapping.WritePath = AccessPath.Kernel;
        using (new LostPage(mapping.Address + Page))
        {
            var read = Assert.Throws<MappingAccessException>(() => mapping.Read(10, 2 * Page));
            Assert.Equal((MappingAccessFault.Refused, (long)Page, MemoryProtection.Read), (read.Fault, read.Offset, read.Access));
            Assert.StartsWith($"Cannot read mapping {mapping.Id} (", read.Message);
            Assert.Contains($"at offset {Page}: the kernel refused the access (EFAULT). The page is inside the file now,", read.Message);
            Assert.Contains("No byte at or past that offset was read; try again.", read.Message);

            var write = Assert.Throws<MappingAccessException>(() => mapping.Write(Page - 4, new byte[8]));
            Assert.Equal((MappingAccessFault.Refused, (long)Page, MemoryProtection.Write), (write.Fault, write.Offset, write.Access));
            Assert.StartsWith($"Cannot write mapping {mapping.Id} (", write.Message);
            Assert.Contains("No byte at or past that offset was written; try again.", write.Message);
            Assert.DoesNotContain("file system is full", write.Message);
        }
    }

    [Fact]
    public void An_anonymous_page_reprotected_outside_MemMap_stops_a_kernel_read_with_Refused()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 3 * Page, Private = true });
        mapping.ReadPath = AccessPath.Kernel;
        mapping.WritePath = AccessPath.Kernel; // a direct write would fault on the lost page: the kernel copy must take it
        const string Advice = "the kernel refused the access (EFAULT, or SIGBUS for a huge page the pool could not supply); the pages may have been unmapped or reprotected outside MemMap, or belong to a device whose memory the kernel does not copy.";
        using (new LostPage(mapping.Address + 2 * Page))
        {
            var read = Assert.Throws<MappingAccessException>(() => mapping.Read(Page, 2 * Page));
            Assert.Equal((MappingAccessFault.Refused, 2L * Page), (read.Fault, read.Offset));
            Assert.EndsWith($"at offset {2 * Page}: {Advice}", read.Message);

            var write = Assert.Throws<MappingAccessException>(() => mapping.Write(2 * Page - 2, new byte[4]));
            Assert.Equal((MappingAccessFault.Refused, 2L * Page, MemoryProtection.Write), (write.Fault, write.Offset, write.Access));
            Assert.StartsWith($"Cannot write mapping {mapping.Id} (", write.Message);
            Assert.EndsWith($"at offset {2 * Page}: {Advice}", write.Message);
        }
    }

    /// <summary>
    /// The explanation every path gives when its copy stops early (KernelRefused), asked around the
    /// current end of a file that another process truncated, the mapping starting one page into the
    /// file: a copy stopped at the end's offset (the mapping's offset added) or past it met a page
    /// that no longer exists (BeyondEndOfFile, naming the size); one stopped a byte before the end met
    /// a page the file still has (Refused). Without a race, only this call reaches that edge: every
    /// access is refused at the end before its copy starts.
    /// </summary>
    [Fact]
    public void A_copy_stopped_at_or_past_a_truncated_files_end_is_explained_as_BeyondEndOfFile_and_one_stopped_before_it_as_Refused()
    {
        string path = files.CreatePattern(4 * Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Offset = Page, Length = 3 * Page });
        Assert.Equal(0, ChildProcess.Run("truncate", "--size", (2 * Page).ToString(), path).ExitCode); // the end: mapping offset Page

        foreach ((long offset, MemoryProtection access) in new[] { ((long)Page, MemoryProtection.Write), (Page + 1L, MemoryProtection.Read) })
        {
            MappingAccessException past = mapping.KernelRefused(offset, access);
            Assert.Equal((MappingAccessFault.BeyondEndOfFile, offset, access), (past.Fault, past.Offset, past.Access));
            Assert.StartsWith($"Cannot {(access == MemoryProtection.Write ? "write" : "read")} mapping {mapping.Id} (", past.Message);
            Assert.EndsWith($"at offset {offset}: the file is now {2 * Page} bytes long, so that page no longer exists (was it truncated by another process?). No byte at or past that offset was touched. Extend the file again, or remove the mapping and map the file anew.", past.Message);
        }
        MappingAccessException before = mapping.KernelRefused(Page - 1, MemoryProtection.Write);
        Assert.Equal((MappingAccessFault.Refused, Page - 1L), (before.Fault, before.Offset));
        Assert.Contains($"at offset {Page - 1}: the kernel refused the access (EFAULT). The page is inside the file now,", before.Message);
    }

    /// <summary>
    /// A read takes the read path and a write the write path: with pread for reads and the kernel
    /// copy for writes, a file page made PROT_NONE behind MemMap's back is still read (pread reads
    /// the file, not the memory), and the write there is refused by the kernel.
    /// </summary>
    [Fact]
    public void A_read_takes_the_read_path_and_a_write_the_write_path()
    {
        string path = files.CreatePattern(2 * Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        mapping.ReadPath = AccessPath.File;
        mapping.WritePath = AccessPath.Kernel;
        using (new LostPage(mapping.Address + Page))
        {
            Assert.Equal(TempFiles.Pattern(2 * Page)[(Page - 4)..(Page + 4)], mapping.Read(Page - 4, 8));
            var write = Assert.Throws<MappingAccessException>(() => mapping.Write(Page - 4, new byte[8]));
            Assert.Equal((MappingAccessFault.Refused, (long)Page, MemoryProtection.Write), (write.Fault, write.Offset, write.Access));
        }
        Assert.Equal(new byte[4], mapping.Read(Page - 4, 4)); // the bytes before the refused page were written
    }

    /// <summary>A page of a mapping made PROT_NONE behind MemMap's back (so MemMap's own page map still allows it), and made read-write again when disposed.</summary>
    private sealed class LostPage : IDisposable
    {
        private readonly nint address;

        public LostPage(nint address)
        {
            this.address = address;
            Assert.Equal(0, Libc.Mprotect(address, (nuint)Page, MemoryProtection.None));
        }

        public void Dispose() => Assert.Equal(0, Libc.Mprotect(address, (nuint)Page, MemoryProtection.ReadWrite));
    }
}
