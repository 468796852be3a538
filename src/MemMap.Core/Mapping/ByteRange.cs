namespace MemMap;

/// <summary>A run of bytes of a mapping or file: where it starts and how long it is.</summary>
/// <param name="Offset">Start of the run.</param>
/// <param name="Length">Bytes in the run.</param>
public readonly record struct ByteRange(long Offset, long Length)
{
    /// <summary>The offset just past the run.</summary>
    public long End => Offset + Length;

    /// <inheritdoc/>
    public override string ToString() => $"{Offset}..{End - 1} ({Length} bytes)";
}
