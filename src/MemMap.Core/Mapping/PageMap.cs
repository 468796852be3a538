namespace MemMap;

/// <summary>
/// The state of each page of one mapping, as runs of pages: their protection, or a hole that a
/// partial unmap left (a hole is never touched again: the runtime may have mapped its own memory
/// there). Immutable: every change returns a new map, so readers never see a half-made one.
/// </summary>
internal sealed class PageMap
{
    private readonly Run[] runs;

    /// <summary>True when the map is one mapped run (no hole, one protection: <see cref="uniformProtection"/>), the common case, which needs no run lookup per access.</summary>
    private readonly bool uniform;
    private readonly MemoryProtection uniformProtection;

    private PageMap(Run[] runs, int extraAreas)
    {
        this.runs = runs;
        ExtraAreas = extraAreas;
        uniform = runs is [{ IsMapped: true }];
        uniformProtection = uniform ? runs[0].Protection : MemoryProtection.None;
        LastReadablePage = Array.FindLast(runs, run => run.IsMapped && run.Protection.HasFlag(MemoryProtection.Read)) is { Length: > 0 } last
            ? last.End - Environment.SystemPageSize : -1;
    }

    /// <summary>Where the last mapped, readable page starts (the file-end sentinel, see MemoryMapping.Access.cs), or -1 when no page is readable.</summary>
    internal long LastReadablePage { get; }

    /// <summary>One run of pages in one state.</summary>
    internal readonly record struct Run(long Offset, long Length, MemoryProtection Protection, bool IsMapped)
    {
        internal long End => Offset + Length;
    }

    /// <summary>The mapped length: whole pages, holes included.</summary>
    internal long Length => runs.Length == 0 ? 0 : runs[^1].End;

    internal IReadOnlyList<Run> Runs => runs;

    internal bool HasHoles => runs.Any(run => !run.IsMapped);

    /// <summary>Kernel memory areas (VMAs) that lock or advice on a sub-range may have split off, beyond one per run.</summary>
    internal int ExtraAreas { get; }

    /// <summary>An upper bound on the kernel memory areas this mapping takes (the kernel may merge some).</summary>
    internal int AreaEstimate => runs.Count(run => run.IsMapped) + ExtraAreas;

    /// <summary>The runs of mapped pages, neighbours joined whatever their protection: what munmap and msync may touch.</summary>
    internal IEnumerable<ByteRange> MappedSegments
    {
        get
        {
            ByteRange? current = null;
            foreach (Run run in runs)
            {
                if (!run.IsMapped)
                {
                    if (current is { } done)
                    {
                        yield return done;
                    }
                    current = null;
                }
                else
                {
                    current = current is { } open ? open with { Length = run.End - open.Offset } : new ByteRange(run.Offset, run.Length);
                }
            }
            if (current is { } last)
            {
                yield return last;
            }
        }
    }

    internal IEnumerable<ByteRange> Holes => runs.Where(run => !run.IsMapped).Select(run => new ByteRange(run.Offset, run.Length));

    internal static PageMap Uniform(long length, MemoryProtection protection) => new([new Run(0, length, protection, IsMapped: true)], 0);

    /// <summary>Whether every page is mapped and allows <paramref name="access"/>: then no range needs a look-up.</summary>
    internal bool AllowsEverywhere(MemoryProtection access) => uniform && (uniformProtection & access) == access;

    /// <summary>
    /// The first run overlapping [offset, offset + count) that is a hole or whose protection lacks
    /// <paramref name="access"/>, if any; with <see cref="MemoryProtection.None"/> only holes deny.
    /// No delegate: this runs on every read and write.
    /// </summary>
    internal Run? FirstDenying(long offset, long count, MemoryProtection access)
    {
        if (count <= 0 || AllowsEverywhere(access))
        {
            return null; // an empty range touches no page; a uniform map allows the access everywhere or nowhere
        }
        foreach (Run run in runs)
        {
            if (run.End > offset && run.Offset < offset + count && !(run.IsMapped && (run.Protection & access) == access))
            {
                return run;
            }
        }
        return null;
    }

    /// <summary>This map with [offset, offset + length) set to one state.</summary>
    internal PageMap With(long offset, long length, MemoryProtection protection, bool isMapped) =>
        length <= 0 ? this : new(Overlay(runs, new Run(offset, length, protection, isMapped)), ExtraAreas); // an empty run would sort anywhere and cut the map short

    /// <summary>This map with up to <paramref name="areas"/> more kernel areas split off (lock or advice on a sub-range).</summary>
    internal PageMap WithSplits(int areas) => new(runs, ExtraAreas + areas);

    /// <summary>This map cut or grown to <paramref name="newLength"/> (whole pages); new pages take the last run's state.</summary>
    internal PageMap Resized(long newLength)
    {
        var result = new List<Run>();
        foreach (Run run in runs)
        {
            if (run.Offset < newLength)
            {
                result.Add(run with { Length = Math.Min(run.End, newLength) - run.Offset });
            }
        }
        if (newLength > Length)
        {
            result[^1] = result[^1] with { Length = newLength - result[^1].Offset };
        }
        return new([.. result], ExtraAreas);
    }

    private static Run[] Overlay(Run[] runs, Run change)
    {
        var result = new List<Run>(runs.Length + 2);
        foreach (Run run in runs)
        {
            if (run.Offset < change.Offset)
            {
                result.Add(run with { Length = Math.Min(run.End, change.Offset) - run.Offset });
            }
            if (run.End > change.End)
            {
                long start = Math.Max(run.Offset, change.End);
                result.Add(run with { Offset = start, Length = run.End - start });
            }
        }
        result.Add(change);
        result.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        var merged = new List<Run>(result.Count);
        foreach (Run run in result)
        {
            if (merged.Count > 0 && merged[^1].End == run.Offset
                && merged[^1].IsMapped == run.IsMapped && (merged[^1].Protection == run.Protection || !run.IsMapped))
            {
                merged[^1] = merged[^1] with { Length = merged[^1].Length + run.Length };
            }
            else
            {
                merged.Add(run);
            }
        }
        return [.. merged];
    }
}
