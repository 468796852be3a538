namespace MemMap;

// Ownership: who created a mapping, so that one host (a PowerShell runspace, say) can release its
// own mappings without touching those of the others that share the process.
public sealed partial class MemoryMapping
{
    /// <summary>
    /// Who created the mapping (<see cref="MappingOptions.Owner"/>), or null. MemMap's cmdlets set the
    /// creating runspace's InstanceId, so removing the module in one runspace unmaps only its own mappings.
    /// </summary>
    public object? Owner { get; private init; }
}
