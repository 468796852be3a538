using System.Globalization;

namespace MemMap;

/// <summary>Reads a process's mappings from /proc/PID/maps, the view <c>pmap</c> gives.</summary>
public static class ProcessMemoryMap
{
    /// <summary>The mappings of process <paramref name="processId"/> (this process by default), in address order.</summary>
    /// <exception cref="FileNotFoundException">No such process.</exception>
    /// <exception cref="UnauthorizedAccessException">Not allowed to read that process's maps.</exception>
    public static IReadOnlyList<ProcessMemoryRegion> Read(int? processId = null)
    {
        string file = $"/proc/{processId?.ToString(CultureInfo.InvariantCulture) ?? "self"}/maps";
        var regions = new List<ProcessMemoryRegion>();
        foreach (string line in File.ReadLines(file))
        {
            regions.Add(Parse(line));
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
}
