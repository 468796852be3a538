using MemMap.Interop;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>
/// mprotect failing for a reason MemMap did not foresee gives the kernel's errno and no advice meant
/// for another failure: the read-only-file advice belongs to EACCES on a shared file mapping asked
/// for Write, and to nothing else.
/// </summary>
[Collection(ExactAddressTests.Name)]
public sealed class ProtectionFailureTests : IDisposable
{
    private static readonly int Page = Environment.SystemPageSize;
    private readonly TempFiles files = new();

    public void Dispose() => files.Dispose();

    /// <summary>
    /// A page of a shared read-write file mapping unmapped behind MemMap's back (as foreign code might):
    /// mprotect of the whole mapping fails with ENOMEM. The error names mprotect and ENOMEM and does not
    /// tell the user the file was opened read-only, although the mapping is a shared file mapping and
    /// the protection asked for includes Write.
    /// </summary>
    [Fact]
    public void An_mprotect_failure_other_than_EACCES_on_a_read_only_file_gets_no_read_only_advice()
    {
        using MemoryMapping mapping = MemoryMapping.MapFile(files.CreatePattern(3 * Page));
        nint lost = mapping.Address + Page;
        Assert.Equal(0, Libc.Munmap(lost, (nuint)Page));
        // Fill the page again at once (nothing else runs in this collection, but the runtime might map there), so
        // that removing the mapping unmaps only its own address range; then check the error.
        var error = Record.Exception(() => mapping.Protect(MemoryProtection.ReadWrite));
        Assert.Equal(lost, Libc.Mmap(lost, (nuint)Page, MemoryProtection.ReadWrite, Libc.MapFlags.Private | Libc.MapFlags.Anonymous | (Libc.MapFlags)0x100000, -1, 0));

        var failure = Assert.IsType<SystemCallException>(error);
        Assert.Equal("mprotect", failure.SystemCall);
        Assert.Equal("ENOMEM", failure.ErrnoName);
        Assert.DoesNotContain("read-only", failure.Message);
    }
}
