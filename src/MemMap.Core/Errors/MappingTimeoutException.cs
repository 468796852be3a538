namespace MemMap;

/// <summary>What ran out of time: a wait for a value, or a wait for a byte-range lock.</summary>
public enum MappingTimeoutKind
{
    /// <summary><see cref="MemoryMapping.WaitValue{T}"/>: the value never became the one waited for.</summary>
    Wait,

    /// <summary><see cref="MemoryMapping.LockRange"/>: another holder kept a conflicting lock.</summary>
    Lock,
}

/// <summary>A wait on a mapping ended because its time ran out; nothing was changed.</summary>
public sealed class MappingTimeoutException : MemoryMappingException
{
    /// <summary>Creates the exception.</summary>
    public MappingTimeoutException(MappingTimeoutKind kind, int mappingId, TimeSpan timeout, string message)
        : base(message)
    {
        Kind = kind;
        MappingId = mappingId;
        Timeout = timeout;
    }

    /// <summary>What was waited for.</summary>
    public MappingTimeoutKind Kind { get; }

    /// <summary>The mapping's id.</summary>
    public int MappingId { get; }

    /// <summary>How long was waited.</summary>
    public TimeSpan Timeout { get; }
}
