namespace MemMap;

/// <summary>
/// MemMap refused an operation because it would take resources the whole process shares — kernel
/// memory areas (vm.max_map_count), file descriptors (RLIMIT_NOFILE) or address space (RLIMIT_AS) —
/// so close to the limit that the .NET runtime itself could fail and abort the process.
/// </summary>
public sealed class ProcessLimitException : MemoryMappingException
{
    /// <summary>Creates the exception.</summary>
    public ProcessLimitException(string limit, long inUse, long maximum, long ownedByMemMap, string message)
        : base(message)
    {
        Limit = limit;
        InUse = inUse;
        Maximum = maximum;
        OwnedByMemMap = ownedByMemMap;
    }

    /// <summary>Which limit: <c>vm.max_map_count</c>, <c>RLIMIT_NOFILE</c> or <c>RLIMIT_AS</c>.</summary>
    public string Limit { get; }

    /// <summary>How much of it the process uses now.</summary>
    public long InUse { get; }

    /// <summary>The limit.</summary>
    public long Maximum { get; }

    /// <summary>How much of it MemMap's own live mappings hold (an upper bound for memory areas).</summary>
    public long OwnedByMemMap { get; }
}
