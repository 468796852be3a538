using MemMap.Interop;

namespace MemMap.Tests.Helpers;

/// <summary>
/// Memory mapped behind MemMap's back at an exact address, as the runtime would map its own: used
/// to block a mapping from growing in place, or to fill a hole and prove MemMap never touches it.
/// </summary>
public sealed class Blocker : IDisposable
{
    private const int FixedNoReplace = 0x100000;

    public Blocker(nint address, long length, byte fill)
    {
        Address = Libc.Mmap(address, (nuint)length, MemoryProtection.ReadWrite,
            Libc.MapFlags.Private | Libc.MapFlags.Anonymous | (Libc.MapFlags)FixedNoReplace, -1, 0);
        Assert.Equal(address, Address);
        Length = length;
        unsafe
        {
            new Span<byte>((void*)Address, (int)length).Fill(fill);
        }
    }

    public nint Address { get; }

    public long Length { get; }

    /// <summary>True when every byte still holds <paramref name="fill"/> and the pages are still mapped read-write.</summary>
    public unsafe bool Holds(byte fill) =>
        ProcessMemoryMap.Read().Any(region => region.Start <= (ulong)Address && region.End >= (ulong)Address + (ulong)Length && region.Permissions.StartsWith("rw", StringComparison.Ordinal))
        && !new ReadOnlySpan<byte>((void*)Address, (int)Length).ContainsAnyExcept(fill);

    public void Dispose() => Libc.Munmap(Address, (nuint)Length);
}
