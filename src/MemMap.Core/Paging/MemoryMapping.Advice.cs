using MemMap.Interop;

namespace MemMap;

// Advice (madvise): tell the kernel how the pages will be used, or drop them (DontNeed, Free, Remove).
public sealed partial class MemoryMapping
{
    /// <summary>
    /// Gives the kernel <paramref name="advice"/> for the whole mapping or a range of it (madvise).
    /// Any range is accepted and widened to whole pages. Without a range, every page still mapped
    /// is advised (holes left by a partial unmap are skipped); a range that touches a hole is refused.
    /// </summary>
    /// <param name="advice">The advice. <see cref="MappingAdvice.DontNeed"/>, <see cref="MappingAdvice.Free"/> and <see cref="MappingAdvice.Remove"/> drop data (whole pages of it).</param>
    /// <param name="offset">Start of the range, from the start of the mapping.</param>
    /// <param name="count">Bytes in the range; null means to the end of the mapping.</param>
    /// <exception cref="ArgumentException">The advice is not a <see cref="MappingAdvice"/>, or the range is not inside the mapping.</exception>
    /// <exception cref="MappingAccessException">The range touches pages that were unmapped.</exception>
    /// <exception cref="SystemCallException">The kernel refused the advice; for EINVAL the message names what the advice needs and the running kernel.</exception>
    /// <param name="cancel">Stops advice that reads pages in (WillNeed, PopulateRead, PopulateWrite) between slices of <see cref="SliceLength"/>.</param>
    /// <exception cref="OperationCanceledException">Cancelled: the slices before it were advised.</exception>
    public void Advise(MappingAdvice advice, long offset = 0, long? count = null, CancellationToken cancel = default)
    {
        if (!Enum.IsDefined(advice))
        {
            throw new ArgumentException($"{advice} is not an advice: use one of {string.Join(", ", Enum.GetNames<MappingAdvice>())}.", nameof(advice));
        }
        void Call(nint at, long length)
        {
            if (Libc.Madvise(at, (nuint)length, advice) != 0)
            {
                throw Errno.Last("madvise", $"{Describe()} (advice {advice}, {advice.KernelName()})", errno => AdviceRefused(advice, errno));
            }
        }
        // Only advice that reads pages in can wait (for the disk); the rest is one call, which never splits a kernel area for long.
        bool readsIn = advice is MappingAdvice.WillNeed or MappingAdvice.PopulateRead or MappingAdvice.PopulateWrite;
        // For a file, MADV_WILLNEED starts no more than the device's read-ahead window: the file's
        // pages are loaded for the whole range, as with file advice (Set-MappingAdvice -Path).
        bool loadFile = advice == MappingAdvice.WillNeed && regularFile && Kind is MappingKind.SharedFile or MappingKind.PrivateFile;
        ApplyToPages(offset, count, $"give advice {advice} for", advice.SetsAreaFlags(), (at, length) =>
        {
            if (loadFile)
            {
                Call(at, length);
                long fileStart = Offset + (at - address);
                FileCache.Load(file!, fileStart, fileStart + length, Describe(), progress: null, cancel);
            }
            else if (readsIn)
            {
                InSlices(at, length, Call, cancel);
            }
            else
            {
                Call(at, length);
            }
        });
    }

    /// <summary>Why the kernel refused an advice, and what to do.</summary>
    private string? AdviceRefused(MappingAdvice advice, int errno) => errno switch
    {
        Errno.EINVAL => $"The running kernel (Linux {KernelRelease()}) does not accept {advice} for this {Kind} mapping: {advice} needs {advice.Requirement()}.",
        Errno.EACCES when advice == MappingAdvice.Remove => "Remove needs a shared mapping with Write protection: map the file shared and writable (New-MemoryMapping without -Private).",
        Errno.EOPNOTSUPP => $"The file system of {Describe()} cannot punch holes, which {advice} needs; use DontNeed to drop the pages without freeing the file's blocks.",
        Errno.EFAULT => "A page of the range could not be faulted in: it lies past the end of the file (was the file truncated?).",
        Errno.ENOMEM => "There was not enough memory to fault the pages in; advise a smaller range.",
        Errno.EAGAIN => "A kernel resource was temporarily unavailable; try again.",
        Errno.EPERM => "The kernel does not allow this process that advice (it needs a capability).",
        _ => null,
    };

    /// <summary>The running kernel's release, such as 6.8.0-45-generic, for error messages.</summary>
    internal static string KernelRelease()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        }
        catch (IOException)
        {
            return Environment.OSVersion.Version.ToString();
        }
    }
}
