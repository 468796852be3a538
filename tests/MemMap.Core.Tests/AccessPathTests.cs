using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>
/// The fast access paths (MemoryMapping.Access.cs): anonymous memory is copied directly; files,
/// shared memory and huge pages by the guarded copy (native memcpy whose SIGBUS becomes an error);
/// without the helper, shared file mappings are read with pread. Each keeps the contract: holes and
/// protection are refused, changes made on other threads (protect, resize, unmap, remove) are
/// excluded by the gate, and a file truncated under a running read, write, fill or search is a clean
/// BeyondEndOfFile error.
/// </summary>
public sealed partial class AccessPathTests : IDisposable
{
    private readonly TempFiles files = new();
    private static readonly int Page = Environment.SystemPageSize;

    public void Dispose() => files.Dispose();

    [Fact]
    public void Anonymous_memory_is_copied_directly_files_by_the_guarded_copy_and_devices_through_the_kernel()
    {
        Assert.True(GuardedCopy.IsAvailable, GuardedCopy.UnavailableReason); // dotnet build puts the helper beside MemMap.Core.dll
        using MemoryMapping privateAnonymous = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page, Private = true });
        using MemoryMapping sharedAnonymous = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });
        string path = files.CreatePattern(Page);
        using MemoryMapping sharedFile = MemoryMapping.MapFile(path);
        using MemoryMapping privateFile = MemoryMapping.MapFile(path, new MappingOptions { Private = true });
        using MemoryMapping device = MemoryMapping.MapFile("/dev/zero", new MappingOptions { Length = Page, Private = true });

        Assert.Equal((AccessPath.Direct, AccessPath.Direct), (privateAnonymous.ReadPath, privateAnonymous.WritePath));
        Assert.Equal((AccessPath.Direct, AccessPath.Direct), (sharedAnonymous.ReadPath, sharedAnonymous.WritePath));
        Assert.Equal((AccessPath.Guarded, AccessPath.Guarded), (sharedFile.ReadPath, sharedFile.WritePath));
        Assert.Equal((AccessPath.Guarded, AccessPath.Guarded), (privateFile.ReadPath, privateFile.WritePath));
        Assert.Equal((AccessPath.Kernel, AccessPath.Kernel), (device.ReadPath, device.WritePath)); // a device's memory may be I/O registers
        Assert.Throws<ArgumentException>(() => sharedFile.ReadPath = AccessPath.Direct);
        Assert.Throws<ArgumentException>(() => sharedFile.WritePath = AccessPath.File); // never pwrite
        Assert.Throws<ArgumentException>(() => privateFile.ReadPath = AccessPath.File); // pread would read the file, not the private copies
        Assert.Throws<ArgumentException>(() => device.ReadPath = AccessPath.Guarded);
        sharedFile.ReadPath = AccessPath.File; // the fallback where the helper is missing
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Guarded_reads_writes_fills_values_and_searches_of_a_file_give_the_same_bytes_as_the_kernel_copy(bool privateMapping)
    {
        string path = files.CreatePattern(3 * Page + 100);
        using MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Private = privateMapping });
        mapping.Write(5, TempFiles.Pattern(2 * Page).Reverse().ToArray()); // across pages, unaligned
        mapping.Fill(Page - 3, Page + 7, 0xEE);
        mapping.WriteValue(2 * Page - 3, 0x0102030405060708L, bigEndian: true);
        mapping.Write(3 * Page + 90, "needle"u8);

        byte[] guarded = mapping.Read(0, (int)mapping.Length);
        mapping.ReadPath = AccessPath.Kernel;
        mapping.WritePath = AccessPath.Kernel;
        byte[] kernel = mapping.Read(0, (int)mapping.Length);
        byte[] expected = TempFiles.Pattern(3 * Page + 100);
        TempFiles.Pattern(2 * Page).Reverse().ToArray().CopyTo(expected, 5);
        expected.AsSpan(Page - 3, Page + 7).Fill(0xEE);
        new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }.CopyTo(expected, 2 * Page - 3);
        "needle"u8.ToArray().CopyTo(expected, 3 * Page + 90);

        Assert.Equal(expected, kernel);
        Assert.Equal(expected, guarded);
        mapping.ReadPath = AccessPath.Guarded;
        Assert.Equal(0x0102030405060708L, mapping.ReadValue<long>(2 * Page - 3, bigEndian: true));
        Assert.Equal([3L * Page + 90], mapping.Find("needle"u8).ToArray());
        mapping.Sync();
        Assert.Equal(privateMapping ? TempFiles.Pattern(3 * Page + 100) : expected, File.ReadAllBytes(path));
    }

    [Fact]
    public void Direct_reads_writes_fills_values_and_searches_give_the_same_bytes_as_the_kernel_copy()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 3 * Page + 100, Private = true });
        byte[] pattern = TempFiles.Pattern(3 * Page + 100);
        mapping.Write(0, pattern);
        mapping.Fill(Page, 10, 0xEE);
        mapping.WriteValue(2 * Page - 3, 0x0102030405060708L, bigEndian: true);
        mapping.Write(3 * Page + 90, "needle"u8);

        byte[] direct = mapping.Read(0, (int)mapping.Length);
        mapping.ReadPath = AccessPath.Kernel;
        byte[] kernel = mapping.Read(0, (int)mapping.Length);

        Assert.Equal(kernel, direct);
        Assert.Equal(Enumerable.Repeat((byte)0xEE, 10), direct.AsSpan(Page, 10).ToArray());
        Assert.Equal(pattern.AsSpan(0, Page).ToArray(), direct.AsSpan(0, Page).ToArray());
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, direct.AsSpan(2 * Page - 3, 8).ToArray());
        mapping.ReadPath = AccessPath.Direct;
        Assert.Equal(0x0102030405060708L, mapping.ReadValue<long>(2 * Page - 3, bigEndian: true));
        Assert.Equal([3L * Page + 90], mapping.Find("needle"u8).ToArray());
    }

    [Fact]
    public void Direct_access_still_refuses_holes_PROT_NONE_read_only_pages_and_the_page_tail()
    {
        // Pages: 0 read-write, 1 PROT_NONE, 2 read-write, 3 a hole, 4 read-only (and its tail past Length).
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 5 * Page - 10, Private = true });
        mapping.Protect(MemoryProtection.None, Page, Page);
        mapping.Protect(MemoryProtection.Read, 4 * Page);
        Assert.False(mapping.Unmap(3 * Page, Page)); // false: pages are left

        foreach ((long offset, MappingAccessFault fault) in new[] { ((long)Page, MappingAccessFault.Protection), (3L * Page, MappingAccessFault.Unmapped) })
        {
            Assert.Equal(fault, Assert.Throws<MappingAccessException>(() => mapping.Read(offset, 1)).Fault);
            Assert.Equal(fault, Assert.Throws<MappingAccessException>(() => mapping.ReadValue<long>(offset - 4)).Fault);
            Assert.Equal(fault, Assert.Throws<MappingAccessException>(() => mapping.Write(offset, [1])).Fault);
            Assert.Equal(fault, Assert.Throws<MappingAccessException>(() => mapping.Fill(offset - 1, 2, 7)).Fault);
            Assert.Equal(fault, Assert.Throws<MappingAccessException>(() => mapping.Find([0], offset, 1).ToArray()).Fault);
        }
        Assert.Equal(MappingAccessFault.Protection, Assert.Throws<MappingAccessException>(() => mapping.Write(4 * Page, [1])).Fault);
        Assert.Equal(new byte[2], mapping.Read(4 * Page, 2)); // read-only is readable
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Read(5 * Page - 10, 1)); // the page tail past Length
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Fill(5 * Page - 11, 2, 0));
        Assert.Equal(new byte[4], mapping.Read(0, 4)); // and the process is alive
    }

    [Fact]
    public void A_SIGBUS_outside_the_guarded_copy_still_reaches_the_runtime_as_it_would_without_MemMap()
    {
        // The child reads a truncated page through MemMap (a clean error), then touches it directly:
        // .NET's own handler must get that SIGBUS and stop the process as it always does.
        (int exitCode, string output) = ChildProcess.RunChild("sigbus-outside-guard", files.CreatePattern(4 * Page));

        Assert.Contains("guarded: BeyondEndOfFile", output, StringComparison.Ordinal);
        Assert.Contains("System.AccessViolationException", output, StringComparison.Ordinal);
        Assert.Equal(134, exitCode); // SIGABRT from the runtime's fatal error, not our handler swallowing the fault
    }
}
