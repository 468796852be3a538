namespace MemMap;

// Residency: which pages of the mapping are in RAM (mincore), without touching them.
public sealed partial class MemoryMapping
{
    /// <summary>
    /// Counts the mapping's pages that are in RAM (mincore). For a shared file mapping that is the
    /// page cache of the file (when this process may write to it or owns it); for anonymous memory,
    /// the pages touched so far. Holes left by a partial unmap count as pages that are not resident.
    /// </summary>
    /// <param name="detailed">Also list the runs of resident pages (<see cref="MappingResidency.ResidentRanges"/>).</param>
    /// <exception cref="MappingClosedException">The mapping was removed.</exception>
    public MappingResidency Residency(bool detailed = false)
    {
        var counter = new ResidencyCounter(PageSize, detailed);
        long pageCount;
        using (UseScope use = EnterUse())
        {
            pageCount = MappedLength / PageSize;
            foreach (ByteRange segment in pages.MappedSegments)
            {
                counter.AddMincore(address + (nint)segment.Offset, segment.Length, segment.Offset / PageSize, Describe());
            }
        }
        return new MappingResidency
        {
            Path = Path,
            MappingId = Id,
            Length = Length,
            PageSize = PageSize,
            Pages = pageCount,
            ResidentPages = counter.ResidentPages,
            ResidentRanges = counter.Ranges,
        };
    }
}
