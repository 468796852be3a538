namespace MemMap.Tests.Reliability;

/// <summary>What one step of a model-checked sequence does.</summary>
public enum ModelOpKind
{
    /// <summary>Creates the sequence's file with <see cref="ModelOp.Data"/> (always the first step).</summary>
    InitFile,
    MapFile,
    MapAnonymous,
    Read,
    Write,
    Fill,
    ReadValues,
    WriteValues,
    Find,
    FindLast,
    Protect,
    Sync,
    Resize,
    Unmap,
    Dispose,
    /// <summary>Another process (coreutils truncate) sets the file's size to <see cref="ModelOp.Offset"/>.</summary>
    Truncate,
    /// <summary>Reads every page of the slot's mapping, one read per page.</summary>
    ReadAll,
    /// <summary>madvise: the advice is <see cref="ModelOp.Value"/>.</summary>
    Advise,
    /// <summary>mlock2 (<see cref="ModelOp.Flag"/>: on fault) or, with <see cref="ModelOp.Flag2"/>, munlock.</summary>
    Lock,
    /// <summary>Counts the resident pages (mincore): the shape must be the model's, the count at most the mapped pages.</summary>
    Residency,
    /// <summary>AddValue: adds <see cref="ModelOp.Values"/>[0] to the integer at the offset, atomically (F64: refused).</summary>
    AddValue,
    /// <summary>CompareExchangeValue: writes Values[1] where the integer equals Values[0].</summary>
    CompareExchange,
}

/// <summary>The numeric types the sequences read and write.</summary>
public enum ModelValueType { I16, I32, I64, F64 }

/// <summary>
/// One concrete step: every argument is fixed, so a recorded sequence replays exactly (and a
/// shorter one, with steps left out, still runs: a step on an empty slot is skipped).
/// </summary>
public sealed record ModelOp(ModelOpKind Kind, int Slot = 0)
{
    public long Offset { get; init; }
    public long? Count { get; init; }
    public long? Length { get; init; }
    public MemoryProtection Protection { get; init; } = MemoryProtection.ReadWrite;
    public bool Private { get; init; }
    public bool Create { get; init; }
    /// <summary>Resize: allowMove; Sync: asynchronous; values: big-endian.</summary>
    public bool Flag { get; init; }
    /// <summary>Resize: extendFile; Sync: invalidate.</summary>
    public bool Flag2 { get; init; }
    public byte Value { get; init; }
    public byte[] Data { get; init; } = [];
    public ModelValueType ValueType { get; init; }
    public long[] Values { get; init; } = [];

    public override string ToString()
    {
        string m = $"m{Slot}";
        string count = Count?.ToString() ?? "null";
        string data = Data.Length <= 16 ? Convert.ToHexString(Data) : $"{Convert.ToHexString(Data, 0, 8)}…({Data.Length} bytes)";
        return Kind switch
        {
            ModelOpKind.InitFile => $"file = {Data.Length} bytes{(Flag ? " (a POSIX shared-memory object: shared creations use MapSharedMemory)" : "")}",
            ModelOpKind.MapFile => $"{m} = MapFile(Offset {Offset}, Length {Length?.ToString() ?? "null"}, {Protection}, {(Private ? "private" : "shared")}{(Create ? ", Create" : "")})",
            ModelOpKind.MapAnonymous => $"{m} = MapAnonymous(Offset {Offset}, Length {Length?.ToString() ?? "null"}, {Protection}, {(Private ? "private" : "shared")}{(Create ? ", Create" : "")})",
            ModelOpKind.Read => $"{m}.Read({Offset}, {count})",
            ModelOpKind.Write => $"{m}.Write({Offset}, {data})",
            ModelOpKind.Fill => $"{m}.Fill({Offset}, {count}, 0x{Value:x2})",
            ModelOpKind.ReadValues => $"{m}.ReadValues<{ValueType}>({Offset}, {count}, bigEndian: {Flag})",
            ModelOpKind.WriteValues => $"{m}.WriteValues<{ValueType}>({Offset}, [{string.Join(", ", Values)}], bigEndian: {Flag})",
            ModelOpKind.Find => $"{m}.Find({data}, {Offset}, {count})",
            ModelOpKind.FindLast => $"{m}.FindLast({data}, {Offset}, {count})",
            ModelOpKind.Protect => $"{m}.Protect({Protection}, {Offset}, {count})",
            ModelOpKind.Sync => $"{m}.Sync({Offset}, {count}, {(Flag ? "async" : "sync")}{(Flag2 ? ", invalidate" : "")})",
            ModelOpKind.Resize => $"{m}.Resize({Offset}, allowMove: {Flag}, extendFile: {Flag2})",
            ModelOpKind.Unmap => $"{m}.Unmap({Offset}, {count})",
            ModelOpKind.Dispose => $"{m}.Dispose()",
            ModelOpKind.Truncate => $"truncate -s {Offset} file   (another process)",
            ModelOpKind.ReadAll => $"{m}: read every page",
            ModelOpKind.Residency => $"{m}.Residency()",
            ModelOpKind.AddValue => $"{m}.AddValue<{ValueType}>({Offset}, {string.Join(", ", Values)})",
            ModelOpKind.CompareExchange => $"{m}.CompareExchangeValue<{ValueType}>({Offset}, expected {Values[0]}, {Values[1]})",
            ModelOpKind.Advise => $"{m}.Advise({(MappingAdvice)Value}, {Offset}, {count})",
            ModelOpKind.Lock => Flag2 ? $"{m}.Unlock({Offset}, {count})" : $"{m}.Lock({Offset}, {count}, onFault: {Flag})",
            _ => Kind.ToString(),
        };
    }
}
