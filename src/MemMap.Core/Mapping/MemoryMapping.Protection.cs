using MemMap.Interop;

namespace MemMap;

// Protection (mprotect): what each page allows, kept in the page map, and changing it for whole pages.
public sealed partial class MemoryMapping
{
    /// <summary>
    /// The protection every mapped page allows: all of them share it when <see cref="IsProtectionUniform"/>;
    /// otherwise it is what they have in common (see <see cref="ProtectionRegions"/> for each run).
    /// </summary>
    public MemoryProtection Protection => MappedRuns().Aggregate(MemoryProtection.ReadWrite | MemoryProtection.Execute, (all, run) => all & run.Protection);

    /// <summary>True when every mapped page has the same protection.</summary>
    public bool IsProtectionUniform => MappedRuns().Select(run => run.Protection).Distinct().Count() <= 1;

    /// <summary>The runs of mapped pages that share one protection, in address order (holes left out).</summary>
    public IReadOnlyList<ProtectionRegion> ProtectionRegions =>
        [.. MappedRuns().Select(run => new ProtectionRegion(run.Offset, run.Length, run.Protection))];

    /// <summary>The runs of pages unmapped by a partial unmap, in address order; empty for a whole mapping.</summary>
    public IReadOnlyList<ByteRange> UnmappedRanges => [.. pages.Holes];

    /// <summary>Changes the protection of the whole mapping or of a run of pages (mprotect).</summary>
    /// <param name="protection">The new protection.</param>
    /// <param name="offset">Start of the run: a multiple of <see cref="PageSize"/>.</param>
    /// <param name="count">Bytes in the run, rounded up to whole pages; null means to the end of the mapping (holes skipped).</param>
    public void Protect(MemoryProtection protection, long offset = 0, long? count = null)
    {
        ValidateProtection(protection);
        RequirePageAligned(offset, "Protection");
        bool whole = offset == 0 && count is null;
        using ChangeScope change = EnterChange();
        ByteRange[] ranges = [.. PageRunsLocked(offset, count, "protect")]; // taken before the loop replaces the page map
        if (!whole)
        {
            ProcessLimits.ReserveAreas(2, $"protect part of mapping {Id}");
        }
        foreach (ByteRange range in ranges)
        {
            if (Libc.Mprotect(address + (nint)range.Offset, (nuint)range.Length, protection) != 0)
            {
                throw Errno.Last("mprotect", Describe(), errno => errno == Errno.EACCES && Kind == MappingKind.SharedFile && protection.HasFlag(MemoryProtection.Write)
                    ? "The file was opened read-only because the mapping was created without Write; map it with Write (or as private) to make it writable."
                    : null);
            }
            ChangePages(pages.With(range.Offset, range.Length, protection, isMapped: true));
        }
    }

    /// <summary>Replaces the page map and keeps the process-wide count of kernel areas in step. Call under the change gate.</summary>
    private void ChangePages(PageMap next)
    {
        ProcessLimits.Adjust(next.AreaEstimate - pages.AreaEstimate);
        pages = next;
    }

    private IEnumerable<PageMap.Run> MappedRuns() => pages.Runs.Where(run => run.IsMapped);
}
