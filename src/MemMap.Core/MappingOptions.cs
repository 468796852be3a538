namespace MemMap;

/// <summary>
/// Describes a mapping to create. The defaults map the whole file, shared, for reading and writing.
/// </summary>
/// <example><c>MemoryMapping.MapFile("disk.img", new MappingOptions { Offset = 4096, Length = 512, Protection = MemoryProtection.Read })</c></example>
public sealed record MappingOptions
{
    /// <summary>Where in the file the mapping starts; a multiple of the page size. Always 0 for anonymous memory.</summary>
    public long Offset { get; init; }

    /// <summary>How many bytes to map. For a file, null means the rest of the file; anonymous memory needs it.</summary>
    public long? Length { get; init; }

    /// <summary>The pages' initial protection.</summary>
    public MemoryProtection Protection { get; init; } = MemoryProtection.ReadWrite;

    /// <summary>Map privately (copy-on-write, MAP_PRIVATE) instead of shared (MAP_SHARED).</summary>
    public bool Private { get; init; }

    /// <summary>Create the file if it is missing and extend it to <see cref="Offset"/> + <see cref="Length"/> when shorter: mmap cannot append.</summary>
    public bool Create { get; init; }

    /// <summary>Fault every page in at once (MAP_POPULATE): slower creation, no page faults later.</summary>
    public bool Populate { get; init; }

    /// <summary>Reserve no swap space (MAP_NORESERVE).</summary>
    public bool NoReserve { get; init; }

    /// <summary>Lock the pages in RAM (mlock) as soon as they are mapped.</summary>
    public bool Locked { get; init; }

    /// <summary>Who the mapping belongs to (<see cref="MemoryMapping.Owner"/>): <see cref="MappingRegistry.DisposeOwnedBy"/> unmaps an owner's mappings only.</summary>
    public object? Owner { get; init; }
}
