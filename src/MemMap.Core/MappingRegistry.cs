using System.Collections.Concurrent;

namespace MemMap;

/// <summary>The live mappings of this process, by id. A mapping joins when created and leaves when disposed.</summary>
public static class MappingRegistry
{
    private static readonly ConcurrentDictionary<int, MemoryMapping> Mappings = new();
    private static int lastId;

    /// <summary>The live mappings, in the order they were created.</summary>
    public static IReadOnlyList<MemoryMapping> Live => Mappings.Values.OrderBy(mapping => mapping.Id).ToArray();

    /// <summary>The live mapping with this id, or null.</summary>
    public static MemoryMapping? Find(int id) => Mappings.TryGetValue(id, out MemoryMapping? mapping) ? mapping : null;

    /// <summary>Unmaps every live mapping (used when the module is removed).</summary>
    public static void DisposeAll()
    {
        foreach (MemoryMapping mapping in Live)
        {
            mapping.Dispose();
        }
    }

    internal static int Add(MemoryMapping mapping)
    {
        int id = Interlocked.Increment(ref lastId);
        Mappings[id] = mapping;
        return id;
    }

    internal static void Remove(int id) => Mappings.TryRemove(id, out _);
}
