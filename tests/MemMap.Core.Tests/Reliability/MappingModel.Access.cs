using System.Buffers.Binary;

namespace MemMap.Tests.Reliability;

// Reads, writes, fills, copies, typed values, atomics and searches: the bytes each shows or changes,
// and the refusals in the core's order (bounds, holes, protection, the file's current end).
public sealed partial class MappingModel
{
    public Outcome Read(ModelMapping m, long offset, long count)
    {
        if (!InRange(m, offset, count)) return Outcome.Error<ArgumentOutOfRangeException>();
        if (m.Closed) return Outcome.Error<MappingClosedException>();
        return ReadLocked(m, offset, count, out byte[] bytes) ?? Outcome.Bytes(bytes);
    }

    /// <summary>The access checks and copy, once the range is known to be inside Length and the mapping open.</summary>
    private Outcome? ReadLocked(ModelMapping m, long offset, long count, out byte[] bytes)
    {
        bytes = [];
        if (AccessRefusal(m, offset, count, MemoryProtection.Read) is { } refused) return refused;
        long limit = CopyLimit(m);
        if (count > 0 && offset + count > limit) return Outcome.Access(MappingAccessFault.BeyondEndOfFile, Math.Max(offset, limit));
        bytes = new byte[count];
        for (long i = 0; i < count; i++)
        {
            bytes[i] = ByteAt(m, offset + i);
        }
        return null;
    }

    /// <summary>Fill checks the range before it looks at the mapping; Write after.</summary>
    public Outcome Fill(ModelMapping m, long offset, long count, byte value) =>
        InRange(m, offset, count) ? Write(m, offset, Enumerable.Repeat(value, (int)count).ToArray()) : Outcome.Error<ArgumentOutOfRangeException>();

    public Outcome Write(ModelMapping m, long offset, byte[] data)
    {
        if (m.Closed) return Outcome.Error<MappingClosedException>();
        if (!InRange(m, offset, data.Length)) return Outcome.Error<ArgumentOutOfRangeException>();
        if (AccessRefusal(m, offset, data.Length, MemoryProtection.Write) is { } refused) return refused;
        long limit = CopyLimit(m);
        if (data.Length > 0 && offset + data.Length > limit) return Outcome.Access(MappingAccessFault.BeyondEndOfFile, Math.Max(offset, limit));
        for (long i = 0; i < data.Length; i++)
        {
            SetByte(m, offset + i, data[i]);
        }
        return Outcome.Ok();
    }

    /// <summary>
    /// memmove within the mapping: both ranges checked first (bounds, protection, then the file's
    /// current end, source before destination), and nothing moves when either reaches past it.
    /// </summary>
    public Outcome Copy(ModelMapping m, long from, long count, long to)
    {
        if (!InRange(m, from, count) || !InRange(m, to, count)) return Outcome.Error<ArgumentOutOfRangeException>();
        if (m.Closed) return Outcome.Error<MappingClosedException>();
        if (AccessRefusal(m, from, count, MemoryProtection.Read) is { } unreadable) return unreadable;
        if (AccessRefusal(m, to, count, MemoryProtection.Write) is { } unwritable) return unwritable;
        long limit = CopyLimit(m);
        if (count > 0 && from + count > limit) return Outcome.Access(MappingAccessFault.BeyondEndOfFile, Math.Max(from, limit));
        if (count > 0 && to + count > limit) return Outcome.Access(MappingAccessFault.BeyondEndOfFile, Math.Max(to, limit));
        byte[] source = [.. Enumerable.Range(0, (int)count).Select(i => ByteAt(m, from + i))];
        for (long i = 0; i < count; i++)
        {
            SetByte(m, to + i, source[i]);
        }
        return Outcome.Ok();
    }

    public Outcome ReadValues(ModelMapping m, ModelOp op)
    {
        int size = SizeOf(op.ValueType);
        long count = op.Count ?? 0;
        if (count < 0 || !InRange(m, op.Offset, count * size)) return Outcome.Error<ArgumentOutOfRangeException>();
        if (m.Closed) return Outcome.Error<MappingClosedException>();
        if (ReadLocked(m, op.Offset, count * size, out byte[] bytes) is { } refused) return refused;
        return Outcome.Values(Enumerable.Range(0, (int)count).Select(i => Decode(bytes.AsSpan(i * size, size), op.ValueType, op.Flag)));
    }

    /// <summary>AddValue (the new value) or CompareExchangeValue (1 when it wrote): the checks of MemoryMapping.Atomics.cs in their order, then one read-modify-write.</summary>
    public Outcome Atomic(ModelMapping m, ModelOp op)
    {
        if (op.ValueType == ModelValueType.F64) return Outcome.Error<ArgumentException>();
        int size = SizeOf(op.ValueType);
        if (op.Offset % size != 0) return Outcome.Error<ArgumentException>();
        if (m.Closed) return Outcome.Error<MappingClosedException>();
        if (!InRange(m, op.Offset, size)) return Outcome.Error<ArgumentOutOfRangeException>();
        if (AccessRefusal(m, op.Offset, size, MemoryProtection.ReadWrite) is { } refused) return refused;
        if (op.Offset + size > CopyLimit(m)) return Outcome.Access(MappingAccessFault.BeyondEndOfFile, Math.Max(op.Offset, CopyLimit(m)));
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++)
        {
            bytes[i] = ByteAt(m, op.Offset + i);
        }
        long old = Decode(bytes, op.ValueType, bigEndian: false);
        bool add = op.Kind == ModelOpKind.AddValue;
        bool swap = add || old == Decode(Encode([op.Values[0]], op.ValueType, bigEndian: false), op.ValueType, bigEndian: false);
        byte[] written = Encode([add ? unchecked(old + op.Values[0]) : op.Values[1]], op.ValueType, bigEndian: false);
        if (swap)
        {
            for (int i = 0; i < size; i++)
            {
                SetByte(m, op.Offset + i, written[i]);
            }
        }
        return Outcome.Values([add ? Decode(written, op.ValueType, bigEndian: false) : swap ? 1 : 0]);
    }

    public Outcome WriteValues(ModelMapping m, ModelOp op) => Write(m, op.Offset, Encode(op.Values, op.ValueType, op.Flag));

    public Outcome Find(ModelMapping m, ModelOp op, bool last)
    {
        if (op.Data.Length == 0) return Outcome.Error<ArgumentException>();
        long count = op.Count ?? Math.Max(0, m.Length - op.Offset);
        if (!InRange(m, op.Offset, count)) return Outcome.Error<ArgumentOutOfRangeException>();
        if (m.Closed) return Outcome.Error<MappingClosedException>();
        if (count < op.Data.Length) return Outcome.Values([]); // no window to search
        if (ReadLocked(m, op.Offset, count, out byte[] window) is { } refused) return refused;
        var matches = new List<long>();
        for (int at = 0; at + op.Data.Length <= window.Length; at++)
        {
            if (window.AsSpan(at, op.Data.Length).SequenceEqual(op.Data))
            {
                matches.Add(op.Offset + at);
            }
        }
        return Outcome.Values(last ? matches.TakeLast(1) : matches);
    }

    public static int SizeOf(ModelValueType type) => type switch { ModelValueType.I16 => 2, ModelValueType.I32 => 4, _ => 8 };

    private static long Decode(ReadOnlySpan<byte> bytes, ModelValueType type, bool bigEndian) => type switch
    {
        ModelValueType.I16 => bigEndian ? BinaryPrimitives.ReadInt16BigEndian(bytes) : BinaryPrimitives.ReadInt16LittleEndian(bytes),
        ModelValueType.I32 => bigEndian ? BinaryPrimitives.ReadInt32BigEndian(bytes) : BinaryPrimitives.ReadInt32LittleEndian(bytes),
        ModelValueType.I64 => bigEndian ? BinaryPrimitives.ReadInt64BigEndian(bytes) : BinaryPrimitives.ReadInt64LittleEndian(bytes),
        _ => BitConverter.DoubleToInt64Bits(bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(bytes) : BinaryPrimitives.ReadDoubleLittleEndian(bytes)),
    };

    private static byte[] Encode(long[] values, ModelValueType type, bool bigEndian)
    {
        int size = SizeOf(type);
        byte[] bytes = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++)
        {
            Span<byte> at = bytes.AsSpan(i * size, size);
            switch (type)
            {
                case ModelValueType.I16 when bigEndian: BinaryPrimitives.WriteInt16BigEndian(at, (short)values[i]); break;
                case ModelValueType.I16: BinaryPrimitives.WriteInt16LittleEndian(at, (short)values[i]); break;
                case ModelValueType.I32 when bigEndian: BinaryPrimitives.WriteInt32BigEndian(at, (int)values[i]); break;
                case ModelValueType.I32: BinaryPrimitives.WriteInt32LittleEndian(at, (int)values[i]); break;
                case ModelValueType.I64 when bigEndian: BinaryPrimitives.WriteInt64BigEndian(at, values[i]); break;
                case ModelValueType.I64: BinaryPrimitives.WriteInt64LittleEndian(at, values[i]); break;
                case ModelValueType.F64 when bigEndian: BinaryPrimitives.WriteInt64BigEndian(at, values[i]); break;
                default: BinaryPrimitives.WriteInt64LittleEndian(at, values[i]); break;
            }
        }
        return bytes;
    }
}
