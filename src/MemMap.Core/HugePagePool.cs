using System.Globalization;

namespace MemMap;

/// <summary>
/// The kernel's pool of reserved huge pages, as /proc/meminfo shows it. MAP_HUGETLB draws from it;
/// with too few free pages, MemMap refuses before mapping rather than risk SIGBUS on first touch.
/// </summary>
internal static class HugePagePool
{
    /// <summary>Refuses a huge-page mapping of <paramref name="length"/> bytes that the pool cannot back, saying why.</summary>
    internal static void Require(bool anonymous, bool noReserve, long length, string target)
    {
        if (!anonymous)
        {
            throw new ArgumentException($"HugePages applies to anonymous memory; {target} is a file (a file on a hugetlbfs mount gets huge pages by itself).");
        }
        if (noReserve)
        {
            throw new ArgumentException("HugePages cannot be combined with NoReserve: unreserved huge pages may be missing when first touched.");
        }
        (long total, long free, long size) = Read();
        if (size <= 0 || length % size != 0)
        {
            throw new ArgumentException($"With HugePages the Length must be a multiple of the huge page size ({size} bytes), not {length}: use {(length + size - 1) / size * size}.");
        }
        if (free < length / size)
        {
            throw new ArgumentException($"Cannot map {target} with huge pages: it needs {length / size} free huge pages and {Describe(total, free, size)}. Reserve more as root (echo N > /proc/sys/vm/nr_hugepages), or map without HugePages.");
        }
    }

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
