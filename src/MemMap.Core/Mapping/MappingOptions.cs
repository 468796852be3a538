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

    /// <summary>
    /// Back anonymous memory with huge pages (MAP_HUGETLB) from the pool reserved in /proc/meminfo
    /// (HugePages_Total); refused up front when too few are free. Length must be a multiple of the huge page size.
    /// </summary>
    public bool HugePages { get; init; }

    /// <summary>
    /// Map exactly at this address (a multiple of the page size), or fail: MAP_FIXED_NOREPLACE, so
    /// an address already in use is refused (EEXIST) and nothing there is replaced. Null lets the kernel choose.
    /// </summary>
    public nint? Address { get; init; }

    /// <summary>Who the mapping belongs to (<see cref="MemoryMapping.Owner"/>): <see cref="MappingRegistry.DisposeOwnedBy"/> unmaps an owner's mappings only.</summary>
    public object? Owner { get; init; }
}
