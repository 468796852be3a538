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

    /// <summary>The permissions letters (such as "rw-s") of the one maps line holding the page at <paramref name="offset"/>.</summary>
    public static string PermissionsAt(MemoryMapping mapping, long offset) => RegionsOf(mapping, offset, 1).Single().Permissions;
}
