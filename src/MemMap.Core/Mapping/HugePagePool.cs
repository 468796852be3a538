using System.Globalization;

namespace MemMap;

/// <summary>
/// The kernel's pool of reserved huge pages, as /proc/meminfo shows it. MAP_HUGETLB draws from it;
/// with too few free pages, MemMap refuses before mapping rather than risk SIGBUS on first touch.
/// </summary>
internal static class HugePagePool
{
    /// <summary>Refuses a huge-page mapping of <paramref name="length"/> bytes that the pool cannot back, saying why.</summary>
    internal static void Require(bool anonymous, MappingOptions options, long length, string target)
    {
        if (!anonymous)
        {
            throw new ArgumentException($"HugePages applies to anonymous memory; {target} is a file (a file on a hugetlbfs mount gets huge pages by itself).", nameof(options));
        }
        if (options.NoReserve)
        {
            throw new ArgumentException("HugePages cannot be combined with NoReserve: unreserved huge pages may be missing when first touched.", nameof(options));
        }
        (long total, long free, long size) = Read();
        if (size <= 0)
        {
            throw new ArgumentException("This kernel has no huge pages (/proc/meminfo shows no Hugepagesize): map without HugePages.", nameof(options));
        }
        if (length % size != 0)
        {
            long pages = Math.Max(1, (length + size - 1) / size);
            throw new ArgumentException($"With HugePages, memory comes in whole huge pages of {Describe(size)} ({size} bytes; Hugepagesize in /proc/meminfo), and Length {length} is not a whole number of them: use Length {pages * size} ({pages} huge {(pages == 1 ? "page" : "pages")}).", nameof(options));
        }
        if (free < length / size)
        {
            throw new ArgumentException($"Cannot map {target} with huge pages: it needs {length / size} free huge pages and {Describe(total, free, size)}. Reserve more as root (echo N > /proc/sys/vm/nr_hugepages), or map without HugePages.", nameof(options));
        }
    }

    /// <summary>The huge page size (Hugepagesize in /proc/meminfo): the page size of a HugePages mapping, fixed at boot.</summary>
    internal static long PageSize => Size.Value;

    private static readonly Lazy<long> Size = new(() => Read().Size);

    /// <summary>A size in bytes as people say it: 2 MiB, 1 GiB.</summary>
    internal static string Describe(long size) => size >= 1L << 30 && size % (1L << 30) == 0 ? $"{size >> 30} GiB" : size >= 1L << 20 && size % (1L << 20) == 0 ? $"{size >> 20} MiB" : $"{size >> 10} KiB";

    /// <summary>The pool in words, from /proc/meminfo.</summary>
    internal static string Describe()
    {
        (long total, long free, long size) = Read();
        return Describe(total, free, size);
    }

    private static string Describe(long total, long free, long size) =>
        $"/proc/meminfo shows HugePages_Total {total}, HugePages_Free {free} (Hugepagesize {size / 1024} kB)";

    private static (long Total, long Free, long Size) Read()
    {
        long total = 0, free = 0, size = 0;
        foreach (string line in File.ReadLines("/proc/meminfo"))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2 || !long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            {
                continue;
            }
            switch (fields[0])
            {
                case "HugePages_Total:": total = value; break;
                case "HugePages_Free:": free = value; break;
                case "Hugepagesize:": size = value * 1024; break;
            }
        }
        return (total, free, size);
    }
}
