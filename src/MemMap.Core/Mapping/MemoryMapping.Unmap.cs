using MemMap.Interop;

namespace MemMap;

// Unmap (munmap): the whole mapping (Dispose), or a page range, after which the mapping lives on
// with a hole that is an error to use.
public sealed partial class MemoryMapping
{
    /// <summary>Unmaps the memory and closes the file. Operations in progress on other threads finish first; later ones get <see cref="MappingClosedException"/>.</summary>
    public void Dispose()
    {
        using (ChangeScope change = EnterChange(throwIfClosed: false))
        {
            if (!closed)
            {
                foreach (ByteRange segment in pages.MappedSegments)
                {
                    // Only MemMap's own pages: a hole may already hold memory the runtime mapped there.
                    Libc.Munmap(address + (nint)segment.Offset, (nuint)segment.Length);
                }
                ProcessLimits.Released(pages.AreaEstimate, file is null ? 0 : 1);
                file?.Dispose();
                closed = true;
            }
        }
        CloseIdleDescriptions(); // the range locks' (MemoryMapping.RangeLock.cs), now that none can be returned
        MappingRegistry.Remove(Id);
    }

    /// <summary>
    /// Unmaps the pages of [offset, offset + count) (a null count: to the end): whole pages only, so <paramref name="offset"/>
    /// must be page-aligned and the count is rounded up to whole pages. The mapping lives on with a
    /// hole; once no page is left it is removed as <see cref="Dispose"/> would.
    /// </summary>
    /// <returns>True when that removed the last mapped page, and with it the mapping.</returns>
    /// <exception cref="ArgumentException">The offset is not on a page boundary, or the range is not inside the mapping.</exception>
    public bool Unmap(long offset, long? count = null)
    {
        RequirePageAligned(offset, "Unmapping");
        bool nothingLeft;
        using (ChangeScope change = EnterChange())
        {
            (long start, long span) = PageSpan(offset, count);
            if (span == 0)
            {
                return false; // no page in the range (count 0, or offset at the end of whole pages): munmap would refuse a 0 length
            }
            ProcessLimits.ReserveAreas(1, $"unmap part of mapping {Id}");
            PageMap next = pages.With(start, span, MemoryProtection.None, isMapped: false);
            foreach (PageMap.Run run in pages.Runs.Where(run => run.IsMapped && run.End > start && run.Offset < start + span))
            {
                // Only pages that are still ours: the runtime may have mapped its own memory into an older hole.
                long from = Math.Max(run.Offset, start), to = Math.Min(run.End, start + span);
                if (Libc.Munmap(address + (nint)from, (nuint)(to - from)) != 0)
                {
                    throw Errno.Last("munmap", Describe());
                }
            }
            nothingLeft = !next.MappedSegments.Any();
            ChangePages(next);
        }
        if (nothingLeft)
        {
            Dispose();
        }
        return nothingLeft;
    }
}
