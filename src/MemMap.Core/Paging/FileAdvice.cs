namespace MemMap;

/// <summary>
/// What a program tells the kernel about how it will read a file (posix_fadvise): no mapping
/// needed. The values are the Linux POSIX_FADV_* numbers (the same on x86_64 and aarch64).
/// None of them changes the file's data.
/// </summary>
public enum FileAdvice
{
    /// <summary>POSIX_FADV_NORMAL: the default read-ahead.</summary>
    Normal = 0,

    /// <summary>POSIX_FADV_RANDOM: the file will be read in random order; no read-ahead.</summary>
    Random = 1,

    /// <summary>POSIX_FADV_SEQUENTIAL: the file will be read in order; read ahead twice as far.</summary>
    Sequential = 2,

    /// <summary>POSIX_FADV_WILLNEED: read the range into the page cache now, in the background (vmtouch -t).</summary>
    WillNeed = 3,

    /// <summary>
    /// POSIX_FADV_DONTNEED: evict the range's clean pages from the page cache (vmtouch -e). Dirty
    /// pages are not lost: the kernel starts writing them back and keeps them; evict again once
    /// they are written (Sync-MemoryMapping, or fsync).
    /// </summary>
    DontNeed = 4,

    /// <summary>POSIX_FADV_NOREUSE: the data will be read once. Since Linux 6.3 its pages are reclaimed first; before, it does nothing.</summary>
    NoReuse = 5,
}
