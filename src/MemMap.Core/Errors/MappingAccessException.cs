namespace MemMap;

/// <summary>Why a read or write of mapped memory was refused.</summary>
public enum MappingAccessFault
{
    /// <summary>The page's protection does not allow the access.</summary>
    Protection,

    /// <summary>The page lies past the end of a file that shrank after it was mapped.</summary>
    BeyondEndOfFile,

    /// <summary>The kernel refused the copy (EFAULT) for another reason, such as pages unmapped outside MemMap.</summary>
    Refused,

    /// <summary>The pages were unmapped by a partial Remove-MemoryMapping: the mapping has a hole there.</summary>
    Unmapped,
}

/// <summary>A read or write of mapped memory was refused; nothing faulted and no data changed past <see cref="Offset"/>.</summary>
public sealed class MappingAccessException : MemoryMappingException
{
    /// <summary>Creates the exception.</summary>
    public MappingAccessException(int mappingId, long offset, MemoryProtection access, MappingAccessFault fault, string message)
        : base(message)
    {
        MappingId = mappingId;
        Offset = offset;
        Access = access;
        Fault = fault;
    }

    /// <summary>The mapping's id.</summary>
    public int MappingId { get; }

    /// <summary>The first offset (from the start of the mapping) that could not be accessed.</summary>
    public long Offset { get; }

    /// <summary>The access that was refused: <see cref="MemoryProtection.Read"/> or <see cref="MemoryProtection.Write"/>.</summary>
    public MemoryProtection Access { get; }

    /// <summary>Why it was refused.</summary>
    public MappingAccessFault Fault { get; }
}
