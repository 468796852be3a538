namespace MemMap;

/// <summary>A byte-range lock was asked for by the owner that already holds an overlapping one: waiting would wait for itself.</summary>
public sealed class MappingLockRecursionException : MemoryMappingException
{
    /// <summary>Creates the exception.</summary>
    public MappingLockRecursionException(int mappingId, string message)
        : base(message)
    {
        MappingId = mappingId;
    }

    /// <summary>The mapping's id.</summary>
    public int MappingId { get; }
}
