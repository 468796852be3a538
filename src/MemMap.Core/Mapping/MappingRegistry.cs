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

    /// <summary>Unmaps every live mapping whose <see cref="MemoryMapping.Owner"/> equals <paramref name="owner"/>; the others stay mapped and listed.</summary>
    /// <returns>How many mappings were unmapped.</returns>
    public static int DisposeOwnedBy(object owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        MemoryMapping[] owned = [.. Live.Where(mapping => owner.Equals(mapping.Owner))];
        foreach (MemoryMapping mapping in owned)
        {
            mapping.Dispose();
        }
        return owned.Length;
    }

    internal static int Add(MemoryMapping mapping)
    {
        int id = Interlocked.Increment(ref lastId);
        Mappings[id] = mapping;
        return id;
    }

    internal static void Remove(int id) => Mappings.TryRemove(id, out _);
}
