namespace MemMap;

/// <summary>What file advice (<see cref="FileCache.Advise"/>) did: the pages of the range, and how many were in the page cache before and after.</summary>
public sealed class FileAdviceResult
{
    /// <summary>The full path of the file.</summary>
    public required string Path { get; init; }

    /// <summary>The advice given.</summary>
    public FileAdvice Advice { get; init; }

    /// <summary>Where the range's first page starts in the file.</summary>
    public long Offset { get; init; }

    /// <summary>Bytes of the range, in whole pages, inside the file.</summary>
    public long Count { get; init; }

    /// <summary>The page size the counts are in.</summary>
    public int PageSize { get; init; }

    /// <summary>Pages of the range in the page cache before the advice (WillNeed and DontNeed only; else null).</summary>
    public long? ResidentPagesBefore { get; init; }

    /// <summary>Pages of the range in the page cache after the advice (WillNeed and DontNeed only; else null).</summary>
    public long? ResidentPagesAfter { get; init; }

    /// <summary>Set when the advice did less than it says: DontNeed left pages cached, and which mappings hold them.</summary>
    public string? Warning { get; init; }
}
