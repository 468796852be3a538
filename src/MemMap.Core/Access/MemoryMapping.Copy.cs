using System.Buffers;
using MemMap.Interop;

namespace MemMap;

// Copy (Copy-MappedByte): memmove within a mapping, memcpy between two. Both ranges are checked —
// bounds, holes, protection — under both gates before a byte moves. The gates are entered as uses,
// the lower Id first: a copy A→B and a copy B→A on other threads then never wait for each other
// through a change pending on either mapping (MemoryMapping.Gate.cs).
// The bytes move by the access paths of MemoryMapping.Access.cs: when both sides allow it, in one
// pass with no buffer between them — memmove for anonymous memory on both sides (Direct), else the
// native helper's guarded memmove, whose SIGBUS handler covers both ranges; otherwise (a device,
// or no native helper) through a buffer, read by the source's path and written by the
// destination's. Pieces go ascending, except when the ranges overlap with the destination above the
// source: then descending, as memmove does, a page at a time. So overlapping ranges copy as memmove
// does, and a page that vanishes mid-copy stops it with an exact count of the bytes copied, all from
// one end: from the start, or for such an overlapping move from the end.
public sealed partial class MemoryMapping
{
    /// <summary>The buffer a copy through the kernel goes through, per step.</summary>
    private const int CopyBufferLength = 1 << 20;

    /// <summary>
    /// Copies <paramref name="count"/> bytes at <paramref name="offset"/> to <paramref name="destination"/>
    /// at <paramref name="destinationOffset"/>. The destination may be this mapping: overlapping ranges
    /// then copy as memmove does (the result is as if the source were first copied to a buffer).
    /// </summary>
    /// <param name="offset">Where the source range starts, from the start of this mapping.</param>
    /// <param name="count">How many bytes to copy.</param>
    /// <param name="destination">The mapping to copy into (this one, or another).</param>
    /// <param name="destinationOffset">Where to copy to, from the start of <paramref name="destination"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A range is not inside its mapping's <see cref="Length"/>; nothing is copied.</exception>
    /// <exception cref="MappingAccessException">
    /// Before any byte moves: a source page is not readable or a destination page not writable, or
    /// one was unmapped. Mid-copy: a page no longer exists (a file truncated by another process, a
    /// full file system); the message says how many bytes were copied, and from which end.
    /// </exception>
    /// <exception cref="MappingClosedException">Either mapping was removed.</exception>
    public void CopyTo(long offset, long count, MemoryMapping destination, long destinationOffset)
    {
        ArgumentNullException.ThrowIfNull(destination);
        CheckRange(offset, count);
        destination.CheckRange(destinationOffset, count);
        MemoryMapping first = destination.Id < Id ? destination : this;
        MemoryMapping second = first == this ? destination : this;
        using UseScope firstUse = first.EnterUse();
        if (second == first)
        {
            CopyLocked(offset, count, destination, destinationOffset);
            return;
        }
        using UseScope secondUse = second.EnterUse();
        CopyLocked(offset, count, destination, destinationOffset);
    }

    /// <summary>Checks both ranges and copies. Call holding both gates.</summary>
    private unsafe void CopyLocked(long offset, long count, MemoryMapping destination, long destinationOffset)
    {
        CheckRange(offset, count); // again under the gates: a resize may have changed Length
        destination.CheckRange(destinationOffset, count);
        CheckAccessLocked(offset, count, MemoryProtection.Read);
        destination.CheckAccessLocked(destinationOffset, count, MemoryProtection.Write);
        // Both ends inside their files as they are now (one fstat each: a copy is a bulk access),
        // so that no byte lands in the unsaved tail of a truncated file's last page.
        CheckFileEndLocked(offset, count, MemoryProtection.Read);
        destination.CheckFileEndLocked(destinationOffset, count, MemoryProtection.Write);
        if (count == 0)
        {
            return;
        }
        nint from = address + (nint)offset;
        nint to = destination.address + (nint)destinationOffset;
        bool descending = to > from && to - from < count; // only an overlapping move up runs downwards
        long moved;
        if (readPath == AccessPath.Direct && destination.writePath == AccessPath.Direct)
        {
            // Safe only here, under the gates and after the checks: see MemoryMapping.Access.cs.
            Buffer.MemoryCopy((void*)from, (void*)to, count, count);
            return;
        }
        if (readPath is AccessPath.Direct or AccessPath.Guarded && destination.writePath is AccessPath.Direct or AccessPath.Guarded)
        {
            moved = GuardedCopy.Move(to, from, count);
        }
        else
        {
            moved = CopyThroughBufferLocked(offset, count, destination, destinationOffset, descending);
        }
        if (moved < count)
        {
            throw CopyStopped(offset, count, destination, destinationOffset, moved, descending);
        }
    }

    /// <summary>Copies in steps through a buffer, each read by this mapping's path and written by the destination's; returns the bytes copied, from one end.</summary>
    private unsafe long CopyThroughBufferLocked(long offset, long count, MemoryMapping destination, long destinationOffset, bool descending)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent((int)Math.Min(count, CopyBufferLength));
        long done = 0;
        try
        {
            fixed (byte* buffer = rented)
            {
                while (done < count)
                {
                    // Descending, a step is the part of one destination page below the bytes moved,
                    // so that a write refused there has written nothing (written bytes are counted).
                    long step = descending
                        ? Math.Min(count - done, (destinationOffset + count - done - 1) % destination.PageSize + 1)
                        : Math.Min(count - done, rented.Length);
                    long at = descending ? count - done - step : done; // from the start of both ranges
                    long read = TransferLocked(offset + at, buffer, step, MemoryProtection.Read);
                    // Ascending, the bytes read before a refused page continue the copy; descending, they do not join it.
                    long usable = read == step || !descending ? read : 0;
                    long written = usable == 0 ? 0 : destination.TransferLocked(destinationOffset + at, buffer, usable, MemoryProtection.Write);
                    if (written < step)
                    {
                        return done + (descending ? 0 : written);
                    }
                    done += step;
                }
            }
        }
        catch (MappingAccessException)
        {
            // The File path (pread) reports a missing page by throwing: the copy stopped at this step.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
        return done;
    }

    /// <summary>
    /// The error for a copy that stopped after <paramref name="moved"/> bytes: which side's page
    /// refused (the source's, if it lies past the end of its file; else the destination's), why, and
    /// what was copied. Called under the gates, so the file sizes read are the ones the copy met.
    /// </summary>
    private MappingAccessException CopyStopped(long offset, long count, MemoryMapping destination, long destinationOffset, long moved, bool descending)
    {
        long at = descending ? count - moved - 1 : moved; // a byte of the first piece not copied, from the start of both ranges
        MappingAccessException source = KernelRefused(offset + at, MemoryProtection.Read);
        MappingAccessException cause = source.Fault == MappingAccessFault.BeyondEndOfFile || !destination.regularFile
            ? source
            : destination.KernelRefused(destinationOffset + at, MemoryProtection.Write);
        MemoryMapping side = cause.MappingId == Id && cause.Access == MemoryProtection.Read ? this : destination;
        // Descending, `at` is the last byte of the piece that faulted: name the start of its page, inside the range.
        long sideStart = side == this && cause.Access == MemoryProtection.Read ? offset : destinationOffset;
        long faulted = descending ? Math.Max(sideStart, cause.Offset / side.PageSize * side.PageSize) : cause.Offset;
        string page = $"the page at offset {faulted} of {(side == this ? "the source" : "the destination")}, mapping {side.Id} ({side.Describe()}),";
        string reason = cause.Fault switch
        {
            MappingAccessFault.BeyondEndOfFile => $"{page} no longer exists: the file is now {side.FileSize()} bytes long (was it truncated by another process?)",
            _ when side.regularFile && cause.Access == MemoryProtection.Write && Libc.FreeBlocks(side.file!) == 0 =>
                $"{page} could not be written: its file system is full and that page of the file has no disk block yet",
            _ => $"the kernel refused {page} though the checks allowed it (was the file truncated and extended again by another process, or unmapped outside MemMap?)",
        };
        string copied = moved == 0
            ? "No byte was copied"
            : descending
                ? $"The last {moved} bytes were copied (to offsets {destinationOffset + count - moved} to {destinationOffset + count - 1} of mapping {destination.Id}); the first {count - moved} were not (or not all), so copy them again"
                : $"The first {moved} bytes were copied (to offsets {destinationOffset} to {destinationOffset + moved - 1} of mapping {destination.Id}); the last {count - moved} were not (or not all), so copy them again";
        return new MappingAccessException(cause.MappingId, faulted, cause.Access, cause.Fault,
            $"Copied {moved} of {count} bytes from mapping {Id} ({Describe()}) at offset {offset} to mapping {destination.Id} ({destination.Describe()}) at offset {destinationOffset}, then stopped: {reason}. {copied}. "
            + (cause.Fault == MappingAccessFault.BeyondEndOfFile
                ? "Extend the file again, or remove the mapping and map the file anew."
                : "Free space on the file system, or find what changed the pages."));
    }

    /// <summary>The mapped file's current size, for messages.</summary>
    private long FileSize() => Libc.Fstat(file!, out Libc.FileStatus status) == 0 ? status.Size : 0;
}
