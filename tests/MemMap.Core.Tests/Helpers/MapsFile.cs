namespace MemMap.Tests.Helpers;

/// <summary>What /proc/self/maps says about a mapping's pages.</summary>
public static class MapsFile
{
    /// <summary>The /proc/self/maps lines that cover [start, start + length), in address order.</summary>
    public static IReadOnlyList<ProcessMemoryRegion> RegionsOf(MemoryMapping mapping, long offset = 0, long? length = null)
    {
        ulong start = (ulong)mapping.Address + (ulong)offset;
        ulong end = start + (ulong)(length ?? mapping.MappedLength - offset);
        return ProcessMemoryMap.Read().Where(region => region.End > start && region.Start < end).ToArray();
    }

    /// <summary>
    /// How many bytes of [Address, Address + <paramref name="span"/>) the kernel has mapped, with the
    /// mapping's file for a file mapping (areas clipped to the range: neighbours may merge with it).
    /// Only the file's areas count: another thread may map its own memory into a hole the moment it opens.
    /// </summary>
    public static long MappedBytes(MemoryMapping mapping, long? span = null)
    {
        ulong start = (ulong)mapping.Address, end = start + (ulong)(span ?? mapping.MappedLength);
        return RegionsOf(mapping, 0, span)
            .Where(region => mapping.Path is null || region.Path == mapping.Path)
            .Sum(region => (long)(Math.Min(region.End, end) - Math.Max(region.Start, start)));
    }

    /// <summary>How many bytes of one protection run of the mapping the kernel has mapped with the mapping's file (or anonymously).</summary>
    public static long MappedBytesOf(MemoryMapping mapping, ProtectionRegion run)
    {
        ulong start = (ulong)mapping.Address + (ulong)run.Offset, end = start + (ulong)run.Length;
        return RegionsOf(mapping, run.Offset, run.Length)
            .Where(region => mapping.Path is null || region.Path == mapping.Path)
            .Sum(region => (long)(Math.Min(region.End, end) - Math.Max(region.Start, start)));
    }

    /// <summary>The permissions letters (such as "rw-s") of the one maps line holding the page at <paramref name="offset"/>.</summary>
    public static string PermissionsAt(MemoryMapping mapping, long offset) => RegionsOf(mapping, offset, 1).Single().Permissions;

    /// <summary>The /proc/self/smaps block of the range that starts at the mapping's address: "Rss" → "8 kB", "VmFlags" → "rd wr sh mr …".</summary>
    public static IReadOnlyDictionary<string, string> SmapsOf(MemoryMapping mapping)
    {
        string start = $"{(ulong)mapping.Address:x}-";
        var fields = new Dictionary<string, string>();
        bool inBlock = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            bool isHeader = !line.Split(' ', 2)[0].EndsWith(':'); // "start-end perms …", not "Field: value"
            if (isHeader)
            {
                if (inBlock) break;
                inBlock = line.StartsWith(start, StringComparison.Ordinal);
            }
            else if (inBlock)
            {
                int colon = line.IndexOf(':');
                fields[line[..colon]] = line[(colon + 1)..].Trim();
            }
        }
        return fields;
    }
}
