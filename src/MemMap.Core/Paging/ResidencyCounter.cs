using MemMap.Interop;

namespace MemMap;

/// <summary>
/// Adds up mincore's page vectors, chunk by chunk, into counts and (when asked) runs of resident
/// pages of <paramref name="pageSize"/> bytes. mincore always reports in base pages (the system page
/// size), also for huge pages, whose base pages are all resident or none: a page counts as resident
/// when its first base page is.
/// </summary>
internal sealed class ResidencyCounter(int pageSize, bool collectRanges)
{
    /// <summary>How many base pages one mincore call looks at (1 GiB of 4 KiB pages): bounds the vector buffer.</summary>
    private const long PagesPerCall = 1 << 18;

    private readonly int basePages = Math.Max(1, pageSize / Environment.SystemPageSize);

    private readonly List<ByteRange> ranges = [];

    internal long ResidentPages { get; private set; }

    internal IReadOnlyList<ByteRange>? Ranges => collectRanges ? ranges : null;

    /// <summary>Runs mincore over [address, address + length) (page-aligned, all mapped), the pages counting from <paramref name="firstPage"/>.</summary>
    internal unsafe void AddMincore(nint address, long length, long firstPage, string target)
    {
        long pages = length / pageSize;
        long pagesPerCall = Math.Max(1, PagesPerCall / basePages);
        byte[] vector = new byte[Math.Min(pages, pagesPerCall) * basePages];
        for (long done = 0; done < pages; done += pagesPerCall)
        {
            int count = (int)Math.Min(pagesPerCall, pages - done);
            fixed (byte* bytes = vector)
            {
                // The kernel writes one byte per base page of the range: the vector holds count * basePages.
                if (Libc.Mincore(address + (nint)(done * pageSize), (nuint)((long)count * pageSize), bytes) != 0)
                {
                    throw Errno.Last("mincore", target);
                }
            }
            Add(vector.AsSpan(0, count * basePages), firstPage + done);
        }
    }

    private void Add(ReadOnlySpan<byte> vector, long firstPage)
    {
        for (int i = 0; i < vector.Length / basePages; i++)
        {
            if ((vector[i * basePages] & 1) == 0)
            {
                continue;
            }
            ResidentPages++;
            if (collectRanges)
            {
                long offset = (firstPage + i) * pageSize;
                if (ranges.Count > 0 && ranges[^1].End == offset)
                {
                    ranges[^1] = ranges[^1] with { Length = ranges[^1].Length + pageSize };
                }
                else
                {
                    ranges.Add(new ByteRange(offset, pageSize));
                }
            }
        }
    }
}
