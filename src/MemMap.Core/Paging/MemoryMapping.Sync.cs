using MemMap.Interop;

namespace MemMap;

// Sync (msync): write a shared file mapping's changes back to its file, and say when that cannot be done.
public sealed partial class MemoryMapping
{
    /// <summary>
    /// Flushes changes to the file with msync. Any range is accepted and widened to whole pages.
    /// With <see cref="SyncMode.Synchronous"/> (the default) it returns once the data is on the file.
    /// Without a range, every page still mapped is flushed (holes left by a partial unmap are skipped);
    /// a range that touches a hole is refused. A shared file mapping whose file is now shorter than the
    /// range (truncated by another process) is flushed, then reported with a
    /// <see cref="MappingAccessException"/> (<see cref="MappingAccessFault.BeyondEndOfFile"/>).
    /// </summary>
    /// <param name="offset">Start of the range, from the start of the mapping.</param>
    /// <param name="count">Bytes in the range; null means to the end of the mapping.</param>
    /// <param name="mode">Wait for the write-back, or only schedule it.</param>
    /// <param name="invalidate">Also invalidate other mappings of the same file (MS_INVALIDATE).</param>
    /// <param name="cancel">Stops between slices of <see cref="SliceLength"/>: the slices before it are on the file.</param>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public void Sync(long offset = 0, long? count = null, SyncMode mode = SyncMode.Synchronous, bool invalidate = false, CancellationToken cancel = default)
    {
        Libc.MsyncFlags flags = (mode == SyncMode.Synchronous ? Libc.MsyncFlags.Sync : Libc.MsyncFlags.Async)
            | (invalidate ? Libc.MsyncFlags.Invalidate : 0);
        using UseScope use = EnterUse();
        foreach (ByteRange range in PageRunsLocked(offset, count, "sync"))
        {
            InSlices(address + (nint)range.Offset, range.Length, (slice, sliceLength) =>
            {
                if (Libc.Msync(slice, (nuint)sliceLength, flags) != 0)
                {
                    throw Errno.Last("msync", Describe(), errno => errno == Errno.EIO ? "The file could not be written: check the disk and the file system." : null);
                }
            }, cancel);
        }
        CheckNotTruncatedLocked(offset, count ?? Math.Max(0, Length - offset));
    }

    /// <summary>
    /// After a sync of [offset, offset + count) of a shared mapping of a regular file: refuses to report
    /// success when the file is now shorter than that range. Another process may have truncated it
    /// between an access's end-of-file check and its copy (MemoryMapping.Access.cs), and whatever the
    /// mapping holds past the new end never reaches the file. Call under the gate.
    /// </summary>
    private void CheckNotTruncatedLocked(long offset, long count)
    {
        if (!regularFile || !IsShared || count <= 0)
        {
            return;
        }
        long size = CurrentFileSize();
        if (Offset + offset + count > size)
        {
            long from = Math.Max(offset, size - Offset);
            throw new MappingAccessException(Id, from, MemoryProtection.Write, MappingAccessFault.BeyondEndOfFile,
                $"Synced mapping {Id} ({Describe()}), but the file is now {size} bytes long: it was truncated (by another process?) below the {Offset + offset + count} bytes this range of the mapping holds, so offsets {from} to {offset + count - 1} are not in the file, and anything written there is lost. Extend the file again and write those bytes again, or remove the mapping and map the file anew.");
        }
    }

    /// <summary>
    /// Why <see cref="Sync"/> writes nothing for this mapping, or null when it flushes to a file: a
    /// private mapping's changes are its own copies, and anonymous memory has no file.
    /// </summary>
    public string? NothingToSync => Kind switch
    {
        MappingKind.PrivateFile => $"Mapping {Id} is private (copy-on-write): its changes are its own copies and never reach {Path}, so Sync wrote nothing. Map the file shared (without -Private) to write to it.",
        MappingKind.PrivateAnonymous or MappingKind.SharedAnonymous => $"Mapping {Id} is anonymous memory: it has no file, so Sync had nothing to write.",
        _ => null,
    };
}
