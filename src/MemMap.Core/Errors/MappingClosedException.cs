namespace MemMap;

/// <summary>The mapping was removed (unmapped) before or while it was used.</summary>
public sealed class MappingClosedException : MemoryMappingException
{
    /// <summary>Creates the exception for the removed mapping <paramref name="mappingId"/>.</summary>
    public MappingClosedException(int mappingId, string description)
        : base($"Mapping {mappingId} ({description}) has been removed; its memory is no longer mapped. Create a new mapping to use it again.")
    {
        MappingId = mappingId;
    }

    /// <summary>The removed mapping's id.</summary>
    public int MappingId { get; }
}
