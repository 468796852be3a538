using System.Globalization;

namespace MemMap.Tests.Helpers;

/// <summary>
/// Reserves a few huge pages for the huge-page tests (as root) and gives them back: the machine's
/// pool is usually empty, and the success path of -HugePages must be tested for real. The pool is
/// raised and lowered by this reservation's own count rather than set to a number, so that other
/// test runs on the machine that reserve at the same time keep theirs.
/// </summary>
public sealed class HugePageReservation : IDisposable
{
    /// <summary>How many huge pages the tests reserve; each test uses at most 4 at once.</summary>
    public const int Count = 8;

    private const string Knob = "/proc/sys/vm/nr_hugepages";

    private static readonly Lazy<string?> Probe = new(ProbeOnce);

    private readonly long reserved;

    public HugePageReservation()
    {
        if (WhyNot is null)
        {
            reserved = Raise(Count);
        }
    }

    /// <summary>Why huge pages cannot be tested here, in words a reader can act on; null when they can.</summary>
    public static string? WhyNot => Probe.Value;

    /// <summary>The huge page size, from /proc/meminfo.</summary>
    public static long PageSize => Meminfo("Hugepagesize") * 1024;

    public void Dispose()
    {
        if (reserved > 0)
        {
            Lower(reserved);
        }
    }

    internal static long Meminfo(string field) => File.ReadLines("/proc/meminfo")
        .Where(line => line.StartsWith(field + ":", StringComparison.Ordinal))
        .Select(line => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture))
        .FirstOrDefault();

    private static string? ProbeOnce()
    {
        if (Meminfo("Hugepagesize") == 0)
        {
            return "This kernel has no huge pages (no Hugepagesize in /proc/meminfo): build it with CONFIG_HUGETLBFS to test -HugePages.";
        }
        if (!Environment.IsPrivilegedProcess)
        {
            return $"Reserving huge pages needs root (the tests write {Knob} and put the old value back): run the tests as root to test -HugePages.";
        }
        long raised = Raise(1);
        Lower(raised);
        return raised > 0 ? null
            : $"The kernel did not reserve a huge page (writing {Knob} left HugePages_Total at {Meminfo("HugePages_Total")}): free memory (it may be too fragmented), or reserve at boot (hugepages=8 on the kernel command line).";
    }

    /// <summary>Asks for <paramref name="count"/> more huge pages; returns how many the kernel added.</summary>
    private static long Raise(long count)
    {
        long before = long.Parse(File.ReadAllText(Knob).Trim(), CultureInfo.InvariantCulture);
        File.WriteAllText(Knob, (before + count).ToString(CultureInfo.InvariantCulture));
        long after = long.Parse(File.ReadAllText(Knob).Trim(), CultureInfo.InvariantCulture);
        return Math.Clamp(after - before, 0, count);
    }

    private static void Lower(long count)
    {
        long now = long.Parse(File.ReadAllText(Knob).Trim(), CultureInfo.InvariantCulture);
        File.WriteAllText(Knob, Math.Max(0, now - count).ToString(CultureInfo.InvariantCulture));
    }
}

/// <summary>A fact about huge pages: skipped, with <see cref="HugePageReservation.WhyNot"/>, where they cannot be reserved.</summary>
public sealed class HugePageFactAttribute : FactAttribute
{
    public HugePageFactAttribute()
    {
        Skip = HugePageReservation.WhyNot;
    }
}

/// <summary>The huge-page tests share one reservation.</summary>
[CollectionDefinition(nameof(HugePageReservation))]
public sealed class HugePageTestGroup : ICollectionFixture<HugePageReservation>;
