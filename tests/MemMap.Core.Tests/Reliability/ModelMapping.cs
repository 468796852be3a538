namespace MemMap.Tests.Reliability;

/// <summary>The model of one mapping: its pages, each with a protection, a hole, or memory of its own.</summary>
public sealed class ModelMapping(MemoryMapping real, MappingKind kind, long fileOffset, long length, MemoryProtection protection, bool fdWritable)
{
    public MemoryMapping Real { get; } = real;
    public MappingKind Kind { get; } = kind;
    public long FileOffset { get; } = fileOffset;
    public long Length { get; set; } = length;
    public bool FdWritable { get; } = fdWritable;
    public bool Closed { get; set; }

    /// <summary>A protect, lock or advice of part of the pages may have split the mapping into several kernel areas, which mremap cannot move together.</summary>
    public bool MayHaveSeveralAreas { get; set; }
    public bool IsFile => Kind is MappingKind.SharedFile or MappingKind.PrivateFile or MappingKind.SharedMemory;

    public List<ModelPage> Pages { get; } = Enumerable.Range(0, (int)(MappingModel.RoundUp(length) / MappingModel.Page))
        .Select(_ => new ModelPage(protection, kind is MappingKind.SharedFile or MappingKind.PrivateFile or MappingKind.SharedMemory ? null : new byte[MappingModel.Page])).ToList();
}

/// <summary>One page: its protection, whether it is still mapped, and its own bytes (anonymous memory, or a private copy of a file page).</summary>
public sealed class ModelPage(MemoryProtection protection, byte[]? own)
{
    public MemoryProtection Protection { get; set; } = protection;
    public bool Mapped { get; init; } = true;
    public bool Locked { get; set; }
    public byte[]? Own { get; set; } = own;
}
