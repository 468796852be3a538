namespace MemMap.Tests.Reliability;

/// <summary>
/// Makes the next step of a sequence from a seeded <see cref="Random"/> and the model's present
/// state (so offsets land near the interesting places: page edges, Length, the end of the file),
/// with good and bad arguments mixed in. Same seed, same sequence.
/// </summary>
public sealed class ModelGenerator(int seed)
{
    private static readonly int Page = MappingModel.Page;
    private readonly Random random = new(seed);

    public ModelOp First()
    {
        byte[] data = new byte[Size(12)];
        random.NextBytes(data);
        // Small alphabets in places, so searches find (overlapping) matches.
        for (int at = random.Next(0, Math.Max(1, data.Length / 2)), end = Math.Min(data.Length, at + random.Next(0, 3 * Page)); at < end; at++)
        {
            data[at] = (byte)random.Next(0, 3);
        }
        return new ModelOp(ModelOpKind.InitFile) { Data = data, Flag = random.Next(4) == 0 };
    }

    public ModelOp Next(MappingModel model)
    {
        int slot = random.Next(model.Slots.Length);
        ModelMapping? m = model.Slots[slot];
        if (m is null || (m.Closed && random.Next(3) == 0))
        {
            return Create(slot, model);
        }
        if (random.Next(10) == 0)
        {
            return random.Next(2) == 0
                ? new ModelOp(ModelOpKind.Copy, slot) { Offset = Offset(m, model), Count = Count(m), DestinationOffset = random.Next(3) == 0 ? Offset(m, model) + random.Next(-Page, Page) : Offset(m, model) }
                : new ModelOp(ModelOpKind.StreamRead, slot) { Offset = Offset(m, model), Count = Count(m) };
        }
        int roll = random.Next(100);
        return roll switch
        {
            < 14 => new ModelOp(ModelOpKind.Read, slot) { Offset = Offset(m, model), Count = Count(m) },
            < 28 => new ModelOp(ModelOpKind.Write, slot) { Offset = Offset(m, model), Data = Bytes(m, model) },
            < 33 => new ModelOp(ModelOpKind.Fill, slot) { Offset = Offset(m, model), Count = Count(m), Value = (byte)random.Next(0, 3) },
            < 38 => ValueOp(ModelOpKind.ReadValues, slot, m, model),
            < 41 => ValueOp(ModelOpKind.WriteValues, slot, m, model),
            < 43 => AtomicOp(slot, m, model),
            < 50 => new ModelOp(random.Next(3) == 0 ? ModelOpKind.FindLast : ModelOpKind.Find, slot)
            {
                Offset = random.Next(4) == 0 ? 0 : Offset(m, model),
                Count = random.Next(3) == 0 ? null : Count(m),
                Data = Needle(),
            },
            < 60 => new ModelOp(ModelOpKind.Protect, slot)
            {
                Protection = Protection(),
                Offset = random.Next(3) == 0 ? 0 : PageOffset(m),
                Count = random.Next(3) == 0 ? null : random.Next(8) == 0 ? random.Next(-5, 5) : random.Next(0, 4) * Page + random.Next(0, 2) * random.Next(1, Page),
            },
            < 65 => new ModelOp(ModelOpKind.Sync, slot)
            {
                Offset = random.Next(3) == 0 ? 0 : Offset(m, model),
                Count = random.Next(3) == 0 ? null : Count(m),
                Flag = random.Next(3) == 0,
                Flag2 = random.Next(5) == 0,
            },
            < 73 => new ModelOp(ModelOpKind.Resize, slot)
            {
                Offset = random.Next(10) == 0 ? random.Next(-1, 1) : Size(10),
                Flag = random.Next(4) != 0,
                Flag2 = random.Next(2) == 0,
            },
            < 78 => new ModelOp(ModelOpKind.Unmap, slot) { Offset = PageOffset(m), Count = random.Next(3) == 0 ? null : random.Next(0, 3) * Page + random.Next(0, 2) },
            < 80 => new ModelOp(ModelOpKind.Dispose, slot),
            < 86 => new ModelOp(ModelOpKind.Truncate) { Offset = random.Next(6) == 0 ? 0 : random.Next(3) == 0 ? OddSize(14) : Size(14) },
            < 90 => new ModelOp(ModelOpKind.Residency, slot),
            < 94 => new ModelOp(ModelOpKind.Advise, slot)
            {
                Value = (byte)(random.Next(12) == 0 ? 99 : random.Next(5)), // Normal, Random, Sequential, WillNeed, DontNeed; 99 is no advice
                Offset = random.Next(3) == 0 ? 0 : Offset(m, model),
                Count = random.Next(3) == 0 ? null : Count(m),
            },
            < 97 => new ModelOp(ModelOpKind.Lock, slot)
            {
                Offset = random.Next(3) == 0 ? 0 : Offset(m, model),
                Count = random.Next(3) == 0 ? null : Count(m),
                Flag = random.Next(3) == 0,
                Flag2 = random.Next(3) == 0,
            },
            _ => new ModelOp(ModelOpKind.ReadAll, slot),
        };
    }

    private ModelOp Create(int slot, MappingModel model)
    {
        bool file = random.Next(3) != 0;
        long? length = random.Next(8) switch
        {
            0 => null,
            1 => random.Next(-1, 1),
            _ => Size(8),
        };
        long offset = random.Next(10) switch
        {
            0 => random.Next(1, Page),            // not page-aligned
            1 => -Page,
            2 => MappingModel.RoundUp(model.File.Length) + Page, // past the end of the file
            < 6 => 0,
            _ => random.Next(0, 4) * Page,
        };
        return new ModelOp(file ? ModelOpKind.MapFile : ModelOpKind.MapAnonymous, slot)
        {
            Offset = file || random.Next(8) == 0 ? offset : 0,
            Length = file ? length : random.Next(8) == 0 ? length : Size(8),
            Protection = random.Next(4) == 0 ? Protection() : MemoryProtection.ReadWrite,
            Private = random.Next(2) == 0,
            Create = random.Next(file ? 3 : 12) == 0,
        };
    }

    /// <summary>An atomic add or compare-and-swap, mostly aligned; expected values are small, like the bytes of the data.</summary>
    private ModelOp AtomicOp(int slot, ModelMapping m, MappingModel model)
    {
        var type = (ModelValueType)random.Next(4);
        int size = MappingModel.SizeOf(type);
        long offset = Offset(m, model);
        return new ModelOp(random.Next(2) == 0 ? ModelOpKind.AddValue : ModelOpKind.CompareExchange, slot)
        {
            Offset = random.Next(8) == 0 ? offset : offset - offset % size,
            ValueType = type,
            Values = [random.Next(4) == 0 ? random.NextInt64() : random.Next(-2, 3), random.NextInt64()],
        };
    }

    private ModelOp ValueOp(ModelOpKind kind, int slot, ModelMapping m, MappingModel model)
    {
        var type = (ModelValueType)random.Next(4);
        int count = random.Next(8) == 0 ? random.Next(-2, 1) : random.Next(1, 20);
        return new ModelOp(kind, slot)
        {
            Offset = Offset(m, model),
            Count = count,
            ValueType = type,
            Flag = random.Next(2) == 0,
            Values = [.. Enumerable.Range(0, Math.Max(0, count)).Select(_ => random.NextInt64())],
        };
    }

    /// <summary>A length of up to <paramref name="pages"/> pages, often exactly on a page edge, else just before or after one.</summary>
    private long Size(int pages) => random.Next(3) switch
    {
        0 => random.Next(1, pages + 1) * (long)Page,
        1 => random.Next(1, pages + 1) * (long)Page - random.Next(1, 64),
        _ => random.Next(0, pages) * (long)Page + random.Next(1, Page),
    };

    /// <summary>An odd byte count: the last page partial, its tail past the end of the file (issue 15).</summary>
    private long OddSize(int pages) => random.Next(0, pages) * (long)Page + 2 * random.Next(0, Page / 2) + 1;

    /// <summary>An offset in the mapping, at the interesting places: page edges, near Length, the end of the file; sometimes outside it.</summary>
    private long Offset(ModelMapping m, MappingModel model) => random.Next(12) switch
    {
        0 => -random.Next(1, 10),
        1 => m.Length + random.Next(0, 3) * Page - random.Next(0, 8),
        2 => Math.Max(0, model.File.Length - m.FileOffset - random.Next(0, 40)),
        3 => Math.Max(0, MappingModel.RoundUp(model.File.Length) - m.FileOffset - random.Next(0, 40)),
        < 6 => random.Next(0, (int)(m.Length / Page) + 1) * (long)Page + random.Next(-3, 4),
        _ => random.NextInt64(0, Math.Max(1, m.Length)),
    };

    private long PageOffset(ModelMapping m) => random.Next(10) == 0
        ? random.Next(1, Page) * (random.Next(2) == 0 ? 1 : -1)
        : random.Next(0, (int)(m.Length / Page) + 2) * (long)Page;

    private long Count(ModelMapping m) => random.Next(10) switch
    {
        0 => 0,
        1 => -random.Next(1, 5),
        2 => m.Length + random.Next(0, 3),
        _ => random.Next(1, random.Next(2) == 0 ? 64 : 2 * Page),
    };

    private byte[] Bytes(ModelMapping m, MappingModel model)
    {
        byte[] data = new byte[Math.Max(0, Count(m))];
        random.NextBytes(data);
        if (random.Next(3) == 0) data.AsSpan().Fill((byte)random.Next(0, 3));
        return data;
    }

    private byte[] Needle()
    {
        byte[] needle = new byte[random.Next(10) == 0 ? 0 : random.Next(1, 4)];
        for (int i = 0; i < needle.Length; i++) needle[i] = (byte)random.Next(0, 3);
        return needle;
    }

    private MemoryProtection Protection() => random.Next(12) switch
    {
        0 => (MemoryProtection)8, // not a protection
        1 => MemoryProtection.Read | MemoryProtection.Execute,
        < 4 => MemoryProtection.None,
        < 7 => MemoryProtection.Read,
        8 => MemoryProtection.Write,
        _ => MemoryProtection.ReadWrite,
    };
}
