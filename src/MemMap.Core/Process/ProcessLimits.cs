using System.Globalization;
using MemMap.Interop;

namespace MemMap;

/// <summary>
/// Keeps MemMap from taking the last of what the whole process shares. When the kernel's limit on
/// memory areas (vm.max_map_count), on open files (RLIMIT_NOFILE) or on address space (RLIMIT_AS)
/// runs out, the .NET runtime's next heap, JIT or thread allocation fails and the process aborts
/// ("Out of memory.", exit 134): so MemMap refuses first, with a reserve left for the runtime.
/// </summary>
/// <remarks>
/// Cheap on the common path: MemMap counts its own areas and descriptors, and re-reads the
/// process's real use (/proc/self/maps, /proc/self/fd) only once it has used half the headroom
/// it saw at the last reading — so a few readings in all, even while mapping up to the limit.
/// Reserves: areas max(4096, limit/8) — a pwsh session uses about 1 000-2 000 areas and the
/// runtime adds a few hundred more as its heap grows and threads start (512 MiB of new managed
/// memory added under 100 here), so 4 096 leaves room many times over; descriptors limit/8 within
/// [32, 1024]; address space max(1 GiB, limit/4), only when RLIMIT_AS is set at all.
/// </remarks>
internal static class ProcessLimits
{
    private static readonly Budget Areas = new("vm.max_map_count", ReadMaxMapCount, max => Math.Max(4096, max / 8), CountMemoryAreas,
        "memory areas", "remove mappings you no longer need (Get-MemoryMapping | Remove-MemoryMapping), or raise the limit (sysctl vm.max_map_count)");

    private static readonly Budget Descriptors = new("RLIMIT_NOFILE", () => SoftLimit(Libc.Resource.NumberOfFiles), max => Math.Clamp(max / 8, 32, 1024), CountDescriptors,
        "open file descriptors", "remove file mappings you no longer need (each holds its file open), or raise the limit (ulimit -n)");

    /// <summary>RLIMIT_AS, read once like the other limits: a getrlimit per mapping would cost more than the rest of the check.</summary>
    private static readonly Lazy<long> AddressSpaceLimit = new(() => SoftLimit(Libc.Resource.AddressSpace));

    /// <summary>Checks that <paramref name="areas"/> more kernel memory areas leave the reserve free.</summary>
    internal static void ReserveAreas(int areas, string operation) => Areas.Reserve(areas, operation);

    /// <summary>Checks that one more open file leaves the reserve free.</summary>
    internal static void ReserveDescriptor(string operation) => Descriptors.Reserve(1, operation);

    /// <summary>Checks that <paramref name="bytes"/> more address space leave the reserve free under RLIMIT_AS.</summary>
    internal static void ReserveAddressSpace(long bytes, string operation)
    {
        long limit = AddressSpaceLimit.Value;
        if (limit == long.MaxValue)
        {
            return;
        }
        long reserve = Math.Max(1L << 30, limit / 4);
        long inUse = VirtualMemorySize();
        if (inUse + bytes > limit - reserve)
        {
            throw new ProcessLimitException("RLIMIT_AS", inUse, limit, MappingRegistry.Live.Sum(mapping => mapping.MappedLength),
                $"Cannot {operation}: {bytes} more bytes of address space would leave less than {reserve} of the process's limit RLIMIT_AS ({limit} bytes, {inUse} in use) for the .NET runtime. Remove mappings you no longer need, map less, or raise the limit (ulimit -v).");
        }
    }

    /// <summary>Records areas and descriptors a new mapping took.</summary>
    internal static void Added(int areas, int descriptors)
    {
        Areas.Adjust(areas);
        Descriptors.Adjust(descriptors);
    }

    /// <summary>Records areas and descriptors a removed mapping gave back.</summary>
    internal static void Released(int areas, int descriptors)
    {
        Areas.Adjust(-areas);
        Descriptors.Adjust(-descriptors);
    }

    /// <summary>Records a change in the areas a live mapping takes (a protect, lock or advice on a sub-range; a partial unmap).</summary>
    internal static void Adjust(int areas) => Areas.Adjust(areas);

    /// <summary>RLIMIT_MEMLOCK as a person reads it, for lock errors.</summary>
    internal static string DescribeMemlockLimit()
    {
        long limit = SoftLimit(Libc.Resource.MemoryLock);
        return limit == long.MaxValue ? "unlimited" : $"{limit} bytes";
    }

    internal static long SoftLimit(Libc.Resource resource) =>
        Libc.Getrlimit(resource, out Libc.ResourceLimit limit) != 0 || limit.Current >= long.MaxValue ? long.MaxValue : (long)limit.Current;

    private static long ReadMaxMapCount()
    {
        try
        {
            return long.TryParse(File.ReadAllText("/proc/sys/vm/max_map_count").Trim(), CultureInfo.InvariantCulture, out long max) ? max : 65530;
        }
        catch (IOException)
        {
            return 65530; // unreadable (no descriptor left): the kernel's default
        }
    }

    private static long CountMemoryAreas()
    {
        // One line per area; counting newlines avoids parsing tens of thousands of lines.
        using var maps = new FileStream("/proc/self/maps", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, FileOptions.None);
        byte[] buffer = new byte[1 << 16];
        long lines = 0;
        int read;
        while ((read = maps.Read(buffer, 0, buffer.Length)) > 0)
        {
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
        }
        return lines;
    }

    private static long CountDescriptors()
    {
        try
        {
            return Directory.EnumerateFileSystemEntries("/proc/self/fd").LongCount();
        }
        catch (IOException)
        {
            return SoftLimit(Libc.Resource.NumberOfFiles); // listing takes a descriptor itself: none is left (EMFILE)
        }
    }

    internal static long VirtualMemorySize()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmSize:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(7).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
            }
        }
        return 0;
    }

    /// <summary>One shared limit: MemMap's own use counted, the process's real use re-read only when it matters.</summary>
    private sealed class Budget(string name, Func<long> readLimit, Func<long, long> reserveFor, Func<long> countInUse, string unit, string whatToDo)
    {
        private readonly object sync = new();
        private long owned;          // MemMap's own use now (an upper bound for areas: the kernel may merge some)
        private long ownedAtCount;   // MemMap's own use at the last reading
        private long inUseAtCount;   // the process's real use at the last reading
        private long limit = -1;     // read at first use

        internal void Adjust(long delta) => Interlocked.Add(ref owned, delta);

        internal void Reserve(long more, string operation)
        {
            lock (sync)
            {
                if (limit < 0)
                {
                    limit = readLimit();
                    Count();
                }
                if (limit == long.MaxValue)
                {
                    return;
                }
                long allowed = limit - reserveFor(limit);
                long ownedNow = Interlocked.Read(ref owned); // one reading: other threads add to it outside this lock
                if (ownedNow < ownedAtCount)
                {
                    // Mappings were removed since the last reading: move the reading down with them, so that the
                    // way back up to the limit is re-read in halves again. A reading taken near the limit would
                    // otherwise be trusted all the way back up, and whatever the runtime mapped meanwhile missed.
                    long released = ownedAtCount - ownedNow;
                    inUseAtCount -= released;
                    ownedAtCount -= released;
                }
                long grown = Interlocked.Read(ref owned) - ownedAtCount;
                // Trust the own count until half the headroom seen at the last reading is used.
                if ((grown + more) * 2 > allowed - inUseAtCount)
                {
                    Count();
                }
                long estimate = inUseAtCount + Interlocked.Read(ref owned) - ownedAtCount;
                if (estimate + more > allowed)
                {
                    long mine = Math.Min(Interlocked.Read(ref owned), estimate);
                    throw new ProcessLimitException(name, estimate, limit, mine,
                        $"Cannot {operation}: the process has {estimate} {unit} in use ({mine} of them held by MemMap's mappings) and its limit {name} is {limit}; MemMap keeps the last {limit - allowed} for the .NET runtime, whose allocations would otherwise fail and end the session. To go on, {whatToDo}.");
                }
            }
        }

        private void Count()
        {
            try
            {
                inUseAtCount = countInUse();
                ownedAtCount = Interlocked.Read(ref owned);
            }
            catch (IOException)
            {
                // /proc could not be read (no descriptor left): keep the last reading and MemMap's own count since.
            }
        }
    }
}
