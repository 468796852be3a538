namespace MemMap;

/// <summary>A run of pages of one mapping that share one protection.</summary>
/// <param name="Offset">Start of the run, from the start of the mapping.</param>
/// <param name="Length">Length of the run in bytes (whole pages).</param>
/// <param name="Protection">The run's protection.</param>
public readonly record struct ProtectionRegion(long Offset, long Length, MemoryProtection Protection)
{
    /// <summary>The offset just past the run.</summary>
    public long End => Offset + Length;

    /// <inheritdoc/>
    public override string ToString() => $"{Offset}..{End - 1} {Protection}";
}
