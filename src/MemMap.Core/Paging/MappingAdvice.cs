namespace MemMap;

/// <summary>
/// What a program tells the kernel about how it will use a range of a mapping (madvise). The
/// values are the Linux MADV_* numbers (the same on x86_64 and aarch64). Most advice only changes
/// what the kernel does in the background; <see cref="DontNeed"/>, <see cref="Free"/> and
/// <see cref="Remove"/> drop data (see <see cref="MappingAdviceExtensions.IsDestructive"/>).
/// </summary>
public enum MappingAdvice
{
    /// <summary>MADV_NORMAL: no special treatment; the default read-ahead.</summary>
    Normal = 0,

    /// <summary>MADV_RANDOM: pages will be touched in random order; read ahead less.</summary>
    Random = 1,

    /// <summary>MADV_SEQUENTIAL: pages will be touched in order; read ahead aggressively and drop pages soon after use.</summary>
    Sequential = 2,

    /// <summary>MADV_WILLNEED: the pages will be needed soon; start reading them in now.</summary>
    WillNeed = 3,

    /// <summary>
    /// MADV_DONTNEED: drops the pages now. Anonymous private pages read as zeros afterwards, and
    /// a private file mapping loses its own copies (reads show the file's bytes again); shared
    /// mappings keep their data (it is in the file or the shared memory). Destroys data.
    /// </summary>
    DontNeed = 4,

    /// <summary>MADV_FREE (Linux 4.5+, private anonymous memory only): the kernel may drop the pages whenever it needs memory, unless they are written again first. Destroys data.</summary>
    Free = 8,

    /// <summary>MADV_REMOVE: frees the pages and their backing store — punches a hole in the file or shared memory, whose bytes then read as zeros. Needs a shared, writable mapping. Destroys data.</summary>
    Remove = 9,

    /// <summary>MADV_DONTFORK: a child made by fork() does not get these pages.</summary>
    DontFork = 10,

    /// <summary>MADV_DOFORK: undoes <see cref="DontFork"/>.</summary>
    DoFork = 11,

    /// <summary>MADV_MERGEABLE: let kernel samepage merging (KSM, CONFIG_KSM) merge identical private pages.</summary>
    Mergeable = 12,

    /// <summary>MADV_UNMERGEABLE: undoes <see cref="Mergeable"/>, unmerging pages it merged.</summary>
    Unmergeable = 13,

    /// <summary>MADV_HUGEPAGE: back the range with transparent huge pages where possible (CONFIG_TRANSPARENT_HUGEPAGE).</summary>
    HugePage = 14,

    /// <summary>MADV_NOHUGEPAGE: never back the range with transparent huge pages.</summary>
    NoHugePage = 15,

    /// <summary>MADV_DONTDUMP: leave the range out of core dumps.</summary>
    DontDump = 16,

    /// <summary>MADV_DODUMP: undoes <see cref="DontDump"/>.</summary>
    DoDump = 17,

    /// <summary>MADV_COLD (Linux 5.4+): the pages will not be needed for a while; reclaim them first (contents kept).</summary>
    Cold = 20,

    /// <summary>MADV_PAGEOUT (Linux 5.4+): reclaim the pages now — write them to swap or the file (contents kept).</summary>
    PageOut = 21,

    /// <summary>MADV_POPULATE_READ (Linux 5.14+): fault every page in for reading now, like reading each one.</summary>
    PopulateRead = 22,

    /// <summary>MADV_POPULATE_WRITE (Linux 5.14+): fault every page in for writing now, like writing each one (contents kept).</summary>
    PopulateWrite = 23,
}

/// <summary>What MemMap knows about each <see cref="MappingAdvice"/>.</summary>
public static class MappingAdviceExtensions
{
    /// <summary>
    /// True for the advice that drops data (<see cref="MappingAdvice.DontNeed"/>,
    /// <see cref="MappingAdvice.Free"/>, <see cref="MappingAdvice.Remove"/>) — memmap2 keeps these
    /// apart as UncheckedAdvice; Set-MappingAdvice asks before giving them.
    /// </summary>
    public static bool IsDestructive(this MappingAdvice advice) =>
        advice is MappingAdvice.DontNeed or MappingAdvice.Free or MappingAdvice.Remove;

    /// <summary>The kernel's name for the advice, such as MADV_DONTNEED.</summary>
    public static string KernelName(this MappingAdvice advice) => advice switch
    {
        MappingAdvice.PopulateRead => "MADV_POPULATE_READ",
        MappingAdvice.PopulateWrite => "MADV_POPULATE_WRITE",
        _ => "MADV_" + advice.ToString().ToUpperInvariant(),
    };

    /// <summary>
    /// True for advice that sets flags on the kernel's memory areas (VMAs): given for part of an
    /// area, the kernel splits it in up to three. The others act on the pages and never split.
    /// </summary>
    internal static bool SetsAreaFlags(this MappingAdvice advice) => advice is MappingAdvice.Normal or MappingAdvice.Random or MappingAdvice.Sequential
        or MappingAdvice.DontFork or MappingAdvice.DoFork or MappingAdvice.Mergeable or MappingAdvice.Unmergeable
        or MappingAdvice.HugePage or MappingAdvice.NoHugePage or MappingAdvice.DontDump or MappingAdvice.DoDump;

    /// <summary>What the kernel needs before it accepts the advice: the explanation of an EINVAL.</summary>
    internal static string Requirement(this MappingAdvice advice) => advice switch
    {
        MappingAdvice.DontNeed => "pages that are not locked (Unlock-MemoryMapping first) and not huge TLB pages",
        MappingAdvice.Free => "private anonymous memory (New-MemoryMapping -Anonymous -Private) that is not locked, and Linux 4.5 or later",
        MappingAdvice.Remove => "a shared, writable mapping (not locked) of a file on a file system that can punch holes: tmpfs, POSIX shared memory (New-MemoryMapping -Name), ext4, xfs, btrfs",
        MappingAdvice.Mergeable or MappingAdvice.Unmergeable => "a kernel built with kernel samepage merging (CONFIG_KSM; /sys/kernel/mm/ksm exists)"
            + (Directory.Exists("/sys/kernel/mm/ksm") ? "" : ", which this kernel lacks: /sys/kernel/mm/ksm does not exist"),
        MappingAdvice.HugePage or MappingAdvice.NoHugePage => "a kernel built with transparent huge pages (CONFIG_TRANSPARENT_HUGEPAGE; /sys/kernel/mm/transparent_hugepage exists)"
            + (Directory.Exists("/sys/kernel/mm/transparent_hugepage") ? "" : ", which this kernel lacks: /sys/kernel/mm/transparent_hugepage does not exist"),
        MappingAdvice.Cold or MappingAdvice.PageOut => "Linux 5.4 or later, and pages that are not locked (Unlock-MemoryMapping first)",
        MappingAdvice.PopulateRead => "Linux 5.14 or later, and Read protection on every page of the range",
        MappingAdvice.PopulateWrite => "Linux 5.14 or later, and Write protection on every page of the range",
        MappingAdvice.DoFork or MappingAdvice.DoDump => "an ordinary mapping (not a device's I/O memory)",
        _ => "nothing special: every Linux kernel accepts it for an ordinary mapping",
    };
}
