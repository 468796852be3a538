using System.Text;

namespace MemMap;

/// <summary>
/// How much of a mapping or file is in RAM (the page cache): what <c>fincore</c> and <c>vmtouch</c> show.
/// Counts are in pages; <see cref="ResidentRanges"/> (only when asked for) says where they are.
/// </summary>
public sealed class MappingResidency
{
    /// <summary>The file measured, or the mapped file; null for anonymous memory.</summary>
    public string? Path { get; init; }

    /// <summary>The mapping measured, or null when a file was measured by path.</summary>
    public int? MappingId { get; init; }

    /// <summary>Bytes of the mapping or file.</summary>
    public long Length { get; init; }

    /// <summary>The page size, the unit of every count.</summary>
    public int PageSize { get; init; }

    /// <summary>Pages of the mapping (<c>MappedLength</c> / <see cref="PageSize"/>, holes included) or file (its size rounded up to pages).</summary>
    public long Pages { get; init; }

    /// <summary>Pages in RAM.</summary>
    public long ResidentPages { get; init; }

    /// <summary><see cref="ResidentPages"/> × <see cref="PageSize"/>: whole pages, as <c>fincore</c> counts them.</summary>
    public long ResidentBytes => ResidentPages * PageSize;

    /// <summary>Percent of <see cref="Pages"/> in RAM, two decimals; 0 for an empty file.</summary>
    public double Percent => Pages == 0 ? 0 : Math.Round(100.0 * ResidentPages / Pages, 2);

    /// <summary>Cached pages not yet written back (cachestat, files only; null otherwise).</summary>
    public long? DirtyPages { get; init; }

    /// <summary>Pages being written back now (cachestat, files only; null otherwise).</summary>
    public long? WritebackPages { get; init; }

    /// <summary>Pages once cached and since evicted (cachestat, files only; null otherwise).</summary>
    public long? EvictedPages { get; init; }

    /// <summary>Evicted pages that would still be in RAM if memory had been a bit larger (cachestat, files only; null otherwise).</summary>
    public long? RecentlyEvictedPages { get; init; }

    /// <summary>The runs of resident pages in ascending order, offsets from the start of the mapping or file (whole pages); null unless detailed residency was asked for.</summary>
    public IReadOnlyList<ByteRange>? ResidentRanges { get; init; }

    /// <summary>How it was measured: <c>mincore</c>, <c>cachestat</c>, or both (<c>cachestat+mincore</c>).</summary>
    public string Method { get; init; } = "mincore";

    /// <summary>
    /// The pages as a one-line strip like <c>vmtouch -v</c>: each character stands for an equal share of
    /// the pages, <c>O</c> when all of them are resident, <c>o</c> when some are, a space when none are;
    /// followed by resident/total pages. Empty without <see cref="ResidentRanges"/>.
    /// </summary>
    /// <param name="width">Characters between the brackets; fewer when there are fewer pages.</param>
    public string DrawStrip(int width = 60)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (ResidentRanges is not { } ranges)
        {
            return "";
        }
        int cells = (int)Math.Min(width, Pages);
        var strip = new StringBuilder(cells + 32).Append('[');
        int next = 0; // the first range that may still reach into the current cell
        for (int cell = 0; cell < cells; cell++)
        {
            long from = Pages * cell / cells * PageSize, to = Pages * (cell + 1) / cells * PageSize;
            long resident = 0;
            while (next < ranges.Count && ranges[next].End <= from)
            {
                next++;
            }
            for (int i = next; i < ranges.Count && ranges[i].Offset < to; i++)
            {
                resident += Math.Min(ranges[i].End, to) - Math.Max(ranges[i].Offset, from);
            }
            strip.Append(resident == 0 ? ' ' : resident == to - from ? 'O' : 'o');
        }
        return strip.Append("] ").Append(ResidentPages).Append('/').Append(Pages).ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Path ?? $"mapping {MappingId}"}: {ResidentPages}/{Pages} pages resident ({Percent}%)";
}
