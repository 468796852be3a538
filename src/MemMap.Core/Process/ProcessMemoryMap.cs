using System.Globalization;
using MemMap.Interop;

namespace MemMap;

/// <summary>Reads a process's mappings from /proc/PID/maps (or smaps, in detail), the view <c>pmap</c> gives.</summary>
public static class ProcessMemoryMap
{
    /// <summary>The mappings of process <paramref name="processId"/> (this process by default), in address order.</summary>
    /// <param name="processId">The process; null for this one.</param>
    /// <param name="detailed">Read /proc/PID/smaps too: Rss, Pss, shared/private clean/dirty, Swap and Locked of each range.</param>
    /// <exception cref="SystemCallException">No such process (ENOENT), or not allowed to read its map (EACCES).</exception>
    public static IReadOnlyList<ProcessMemoryRegion> Read(int? processId = null, bool detailed = false)
    {
        int pid = processId ?? Environment.ProcessId;
        string file = $"/proc/{(processId is null ? "self" : pid.ToString(CultureInfo.InvariantCulture))}/{(detailed ? "smaps" : "maps")}";
        bool own = pid == Environment.ProcessId;
        // Open ones only: the kernel reuses an address as soon as it is unmapped, so a mapping that
        // another thread is removing may still be registered at the address of a new one.
        MemoryMapping[] mappings = own ? [.. MappingRegistry.Live.Where(mapping => mapping.IsOpen).OrderBy(mapping => (ulong)mapping.Address)] : [];
        var regions = new List<ProcessMemoryRegion>();
        try
        {
            ProcessMemoryRegion? current = null;
            Dictionary<string, long> fields = [];
            foreach (string line in File.ReadLines(file))
            {
                if (!IsHeader(line))
                {
                    ParseField(line, fields);
                    continue;
                }
                if (current is not null)
                {
                    regions.Add(WithFields(current, fields, detailed));
                }
                ProcessMemoryRegion region = Parse(line);
                current = region with { ProcessId = pid, MappingId = OwnerOf(region.Start, mappings) };
                fields.Clear();
            }
            if (current is not null)
            {
                regions.Add(WithFields(current, fields, detailed));
            }
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Errno.Of(Errno.ENOENT, "open", file, _ => $"No process has id {pid}: Get-Process lists the running ones.");
        }
        catch (UnauthorizedAccessException)
        {
            throw Errno.Of(Errno.EACCES, "open", file, _ => $"Reading the memory map of process {pid} needs the right to trace it: the same user (and ptrace allowed), or root.");
        }
        return regions;
    }

    /// <summary>Parses one maps line: <c>start-end perms offset dev inode [path]</c>.</summary>
    internal static ProcessMemoryRegion Parse(string line)
    {
        string[] fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        string[] addresses = fields[0].Split('-');
        return new ProcessMemoryRegion(
            Start: ulong.Parse(addresses[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            End: ulong.Parse(addresses[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            Permissions: fields[1],
            Offset: long.Parse(fields[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            Device: fields[3],
            Inode: long.Parse(fields[4], CultureInfo.InvariantCulture),
            Path: fields.Length > 5 ? fields[5].Trim() : "");
    }

    /// <summary>A maps line ("start-end perms …"), not an smaps field ("Rss:   8 kB").</summary>
    private static bool IsHeader(string line) => !line.Split(' ', 2)[0].EndsWith(':');

    /// <summary>Keeps an smaps "Name:   N kB" field, in bytes.</summary>
    private static void ParseField(string line, Dictionary<string, long> fields)
    {
        string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 3 && parts[2] == "kB" && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kilobytes))
        {
            fields[parts[0].TrimEnd(':')] = kilobytes * 1024;
        }
    }

    /// <remarks>
    /// smaps leaves huge pages (hugetlb) out of Rss, Pss and the clean/dirty fields and counts them in
    /// Shared_Hugetlb and Private_Hugetlb: they are added back here, as the memory in RAM they are
    /// (always dirty: they have no file to be clean against). Pss gets the private ones whole; smaps
    /// does not say how shared huge pages divide.
    /// </remarks>
    private static ProcessMemoryRegion WithFields(ProcessMemoryRegion region, Dictionary<string, long> fields, bool detailed) => !detailed ? region : region with
    {
        PageSize = fields.TryGetValue("KernelPageSize", out long pageSize) ? pageSize : null,
        Rss = fields.GetValueOrDefault("Rss") + fields.GetValueOrDefault("Shared_Hugetlb") + fields.GetValueOrDefault("Private_Hugetlb"),
        Pss = fields.GetValueOrDefault("Pss") + fields.GetValueOrDefault("Private_Hugetlb"),
        SharedClean = fields.GetValueOrDefault("Shared_Clean"),
        SharedDirty = fields.GetValueOrDefault("Shared_Dirty") + fields.GetValueOrDefault("Shared_Hugetlb"),
        PrivateClean = fields.GetValueOrDefault("Private_Clean"),
        PrivateDirty = fields.GetValueOrDefault("Private_Dirty") + fields.GetValueOrDefault("Private_Hugetlb"),
        Swap = fields.GetValueOrDefault("Swap"),
        Locked = fields.GetValueOrDefault("Locked"),
    };

    /// <summary>The id of the live MemMap mapping (sorted by address) whose pages hold <paramref name="address"/> (not in one of its holes, which the runtime may reuse), or null.</summary>
    private static int? OwnerOf(ulong address, MemoryMapping[] mappings)
    {
        int low = 0, high = mappings.Length - 1, found = -1;
        while (low <= high) // the last mapping that starts at or below the address
        {
            int middle = (low + high) / 2;
            if ((ulong)mappings[middle].Address <= address)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }
        if (found < 0)
        {
            return null;
        }
        // Several may start at one address when one of them closed after the snapshot: the open one owns it.
        nint start = mappings[found].Address;
        for (; found >= 0 && mappings[found].Address == start; found--)
        {
            MemoryMapping mapping = mappings[found];
            ulong offset = address - (ulong)mapping.Address;
            if (mapping.IsOpen && offset < (ulong)mapping.MappedLength
                && !mapping.UnmappedRanges.Any(hole => (long)offset >= hole.Offset && (long)offset < hole.End))
            {
                return mapping.Id;
            }
        }
        return null;
    }
}
