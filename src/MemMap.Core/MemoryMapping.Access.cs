using MemMap.Interop;

namespace MemMap;

// Reads and writes: bounds (Length, never the page tail past it), then holes and protection,
// then a copy through the kernel that a vanished page ends early instead of with a signal.
public sealed partial class MemoryMapping
{
    /// <summary>Reads <paramref name="count"/> bytes starting at <paramref name="offset"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the mapping's <see cref="Length"/>.</exception>
    /// <exception cref="MappingAccessException">A page is not readable, was unmapped, or no longer exists.</exception>
    /// <exception cref="MappingClosedException">The mapping was removed.</exception>
    public byte[] Read(long offset, int count)
    {
        CheckRange(offset, count);
        if (count > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"An array holds at most {Array.MaxLength} bytes: read mapping {Id} in parts of at most that many bytes.");
        }
        byte[] buffer = GC.AllocateUninitializedArray<byte>(count);
        Read(offset, buffer);
        return buffer;
    }

    /// <summary>Fills <paramref name="destination"/> with the bytes starting at <paramref name="offset"/>.</summary>
    /// <inheritdoc cref="Read(long, int)" path="/exception"/>
    public unsafe void Read(long offset, Span<byte> destination)
    {
        fixed (byte* buffer = destination)
        {
            Copy(offset, buffer, destination.Length, MemoryProtection.Read);
        }
    }

    /// <summary>Writes <paramref name="source"/> starting at <paramref name="offset"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the mapping's <see cref="Length"/>; nothing is written.</exception>
    /// <exception cref="MappingAccessException">A page is not writable, was unmapped, or no longer exists; bytes before <see cref="MappingAccessException.Offset"/> were written.</exception>
    /// <exception cref="MappingClosedException">The mapping was removed.</exception>
    public unsafe void Write(long offset, ReadOnlySpan<byte> source)
    {
        fixed (byte* buffer = source)
        {
            Copy(offset, buffer, source.Length, MemoryProtection.Write);
        }
    }

    /// <summary>Checks that [offset, offset + count) lies inside the bytes the user mapped (<see cref="Length"/>).</summary>
    internal void CheckRange(long offset, long count)
    {
        long length = Length;
        if (offset < 0 || count < 0 || offset > length || count > length - offset)
        {
            string reason = offset < 0 || count < 0
                ? $"offset {offset} with count {count} is not a range (both must be 0 or more)"
                : $"offset {offset} with count {count} reaches byte {offset + count - 1}, past its end";
            throw new ArgumentOutOfRangeException(nameof(offset), offset,
                $"Mapping {Id} ({Describe()}) holds {length} bytes (offsets 0 to {length - 1}); {reason}. "
                + (Path is null
                    ? "Map more memory, or grow it with Resize-MemoryMapping."
                    : "To get more room, grow it with Resize-MemoryMapping -ExtendFile, or map it anew with New-MemoryMapping -Create -Length."));
        }
    }

    /// <summary>Refuses an access that touches a hole or a page whose protection does not allow it. Call under the gate.</summary>
    internal void CheckAccessLocked(long offset, long count, MemoryProtection access)
    {
        if (pages.FirstOffending(offset, count, run => run.IsMapped && (run.Protection & access) == access) is { } run)
        {
            long at = Math.Max(offset, run.Offset);
            throw run.IsMapped
                ? new MappingAccessException(Id, at, access, MappingAccessFault.Protection,
                    $"Cannot {Verb(access)} mapping {Id} ({Describe()}) at offset {at}: the page there is protected {run.Protection}. Change its protection to allow {access} first (Set-MappingProtection).")
                : new MappingAccessException(Id, at, access, MappingAccessFault.Unmapped,
                    $"Cannot {Verb(access)} mapping {Id} ({Describe()}) at offset {at}: offsets {run.Offset} to {run.End - 1} were unmapped (Remove-MemoryMapping -Offset -Count). Use the pages that are still mapped.");
        }
    }

    private unsafe void Copy(long offset, byte* buffer, int count, MemoryProtection access)
    {
        using UseScope use = EnterUse();
        CheckRange(offset, count); // under the gate: a resize may have changed Length since the caller looked
        CheckAccessLocked(offset, count, access);
        long copied = KernelCopy.Copy(address + (nint)offset, buffer, count, write: access == MemoryProtection.Write);
        if (copied < count)
        {
            throw KernelRefused(offset + copied, access);
        }
    }

    /// <summary>Explains why the kernel stopped a copy at <paramref name="offset"/>, which the checks allowed.</summary>
    internal MappingAccessException KernelRefused(long offset, MemoryProtection access)
    {
        if (file is not null && Libc.Fstat(file, out Libc.FileStatus status) == 0 && status.IsRegularFile
            && Offset + offset >= RoundUpToPage(status.Size))
        {
            return new MappingAccessException(Id, offset, access, MappingAccessFault.BeyondEndOfFile,
                $"Cannot {Verb(access)} mapping {Id} ({Describe()}) at offset {offset}: the file is now {status.Size} bytes long, so that page no longer exists (was it truncated by another process?). No byte at or past that offset was touched. Extend the file again, or remove the mapping and map the file anew.");
        }
        return new MappingAccessException(Id, offset, access, MappingAccessFault.Refused,
            $"Cannot {Verb(access)} mapping {Id} ({Describe()}) at offset {offset}: the kernel refused the access (EFAULT); the pages may have been unmapped or reprotected outside MemMap, or belong to a device whose memory the kernel does not copy.");
    }

    private static string Verb(MemoryProtection access) => access == MemoryProtection.Write ? "write" : "read";
}
