using System.Numerics;
using System.Runtime.InteropServices;

namespace MemMap;

// Typed access, like BinaryReader/BinaryWriter on the mapping: the bytes are read and written with
// Read/Write (same bounds, protection and truncation checks), and the byte order is swapped here.
// One naturally aligned value (of any of the types: all are 1 to 8 bytes) is one load or one store
// (MemoryMapping.Atomics.cs), so no reader ever sees half of another writer's value; writes wake the
// waiters of Wait-MappedValue.
public sealed partial class MemoryMapping
{
    /// <summary>Reads <paramref name="count"/> consecutive values of <typeparamref name="T"/> starting at <paramref name="offset"/>.</summary>
    /// <param name="offset">Where the first value starts, from the start of the mapping; any alignment.</param>
    /// <param name="count">How many values.</param>
    /// <param name="bigEndian">The values are stored most significant byte first (default: least significant first).</param>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not one of <see cref="NumericValueTypes.All"/>, or the range is not inside <see cref="Length"/>.</exception>
    /// <exception cref="MappingAccessException">A page is not readable, was unmapped, or no longer exists.</exception>
    /// <exception cref="MappingClosedException">The mapping was removed.</exception>
    public T[] ReadValues<T>(long offset, int count, bool bigEndian = false) where T : unmanaged, INumber<T>
    {
        NumericValueTypes.Require(typeof(T));
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count == 1)
        {
            CheckRange(offset, System.Runtime.CompilerServices.Unsafe.SizeOf<T>()); // the range before the mapping's state, as for several values
            return [ReadValue<T>(offset, bigEndian)];
        }
        T[] values = new T[count];
        Span<byte> bytes = MemoryMarshal.AsBytes(values.AsSpan());
        CheckRange(offset, bytes.Length);
        Read(offset, bytes);
        SwapIfNeeded<T>(bytes, bigEndian);
        return values;
    }

    /// <summary>Writes <paramref name="values"/> one after another starting at <paramref name="offset"/>.</summary>
    /// <param name="offset">Where the first value goes, from the start of the mapping; any alignment.</param>
    /// <param name="values">The values.</param>
    /// <param name="bigEndian">Store them most significant byte first (default: least significant first).</param>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not supported, or the range is not inside <see cref="Length"/>; nothing is written.</exception>
    /// <exception cref="MappingAccessException">A page is not writable, was unmapped, or no longer exists.</exception>
    /// <exception cref="MappingClosedException">The mapping was removed.</exception>
    public void WriteValues<T>(long offset, ReadOnlySpan<T> values, bool bigEndian = false) where T : unmanaged, INumber<T>
    {
        NumericValueTypes.Require(typeof(T));
        if (values.Length == 1)
        {
            WriteValue(offset, values[0], bigEndian);
            return;
        }
        byte[] bytes = MemoryMarshal.AsBytes(values).ToArray();
        SwapIfNeeded<T>(bytes, bigEndian);
        Write(offset, bytes);
        WakeWaiters(offset, bytes.Length);
    }

    /// <summary>Reads the one value of <typeparamref name="T"/> at <paramref name="offset"/>: <see cref="ReadValues{T}(long, int, bool)"/> without an array, for tight loops.</summary>
    /// <inheritdoc cref="ReadValues{T}(long, int, bool)" path="/exception"/>
    public T ReadValue<T>(long offset, bool bigEndian = false) where T : unmanaged, INumber<T>
    {
        Supported<T>.Require();
        T value = default;
        Span<byte> bytes = MemoryMarshal.AsBytes(new Span<T>(ref value));
        if (IsAtomic(offset, bytes.Length))
        {
            ulong bits = Atomic<T>(offset, AtomicOperation.Load, 0, 0);
            value = System.Runtime.CompilerServices.Unsafe.As<ulong, T>(ref bits);
        }
        else if (readPath == AccessPath.Direct)
        {
            value = ReadUnalignedDirect<T>(offset);
        }
        else
        {
            Read(offset, bytes);
        }
        SwapIfNeeded<T>(bytes, bigEndian);
        return value;
    }

    /// <summary>Writes the one value <paramref name="value"/> at <paramref name="offset"/>: <see cref="WriteValues{T}(long, ReadOnlySpan{T}, bool)"/> without an array, for tight loops.</summary>
    /// <inheritdoc cref="WriteValues{T}(long, ReadOnlySpan{T}, bool)" path="/exception"/>
    public void WriteValue<T>(long offset, T value, bool bigEndian = false) where T : unmanaged, INumber<T>
    {
        Supported<T>.Require();
        Span<byte> bytes = MemoryMarshal.AsBytes(new Span<T>(ref value));
        SwapIfNeeded<T>(bytes, bigEndian);
        if (IsAtomic(offset, bytes.Length))
        {
            Atomic<T>(offset, AtomicOperation.Store, Bits(value), 0);
        }
        else
        {
            Write(offset, bytes);
            WakeWaiters(offset, bytes.Length);
        }
    }

    /// <summary>
    /// A value of anonymous memory that is not aligned: one unaligned load under the gate, after the
    /// same checks as <see cref="Read(long, Span{byte})"/>, without its span, pinning and copy layers.
    /// A random read's time is its cache miss, and a shorter path lets the processor overlap more of
    /// them (measured: 1.00x the accessor, where the full path took 2x). Files take the copy path,
    /// whose small copies are already one native call (TransferLocked).
    /// </summary>
    private unsafe T ReadUnalignedDirect<T>(long offset) where T : unmanaged
    {
        using UseScope use = EnterUse();
        CheckRange(offset, sizeof(T));
        CheckAccessLocked(offset, sizeof(T), MemoryProtection.Read);
        return System.Runtime.CompilerServices.Unsafe.ReadUnaligned<T>((byte*)address + offset); // safe here: see MemoryMapping.Access.cs
    }

    /// <summary>Whether <typeparamref name="T"/> is one of <see cref="NumericValueTypes.All"/>, looked up once per type.</summary>
    private static class Supported<T>
    {
        private static readonly bool IsSupported = NumericValueTypes.All.Contains(typeof(T));

        internal static void Require()
        {
            if (!IsSupported)
            {
                NumericValueTypes.Require(typeof(T)); // throws the usual message
            }
        }
    }

    /// <summary>Reads <paramref name="count"/> values of <paramref name="type"/> (one of <see cref="NumericValueTypes.All"/>) as an array of that type.</summary>
    /// <inheritdoc cref="ReadValues{T}(long, int, bool)" path="/exception"/>
    public Array ReadValues(Type type, long offset, int count, bool bigEndian = false) => Type.GetTypeCode(NumericValueTypes.Require(type)) switch
    {
        TypeCode.SByte => ReadValues<sbyte>(offset, count, bigEndian),
        TypeCode.Byte => ReadValues<byte>(offset, count, bigEndian),
        TypeCode.Int16 => ReadValues<short>(offset, count, bigEndian),
        TypeCode.UInt16 => ReadValues<ushort>(offset, count, bigEndian),
        TypeCode.Int32 => ReadValues<int>(offset, count, bigEndian),
        TypeCode.UInt32 => ReadValues<uint>(offset, count, bigEndian),
        TypeCode.Int64 => ReadValues<long>(offset, count, bigEndian),
        TypeCode.UInt64 => ReadValues<ulong>(offset, count, bigEndian),
        TypeCode.Single => ReadValues<float>(offset, count, bigEndian),
        _ => ReadValues<double>(offset, count, bigEndian),
    };

    /// <summary>
    /// Converts every one of <paramref name="values"/> to <paramref name="type"/> (see
    /// <see cref="NumericValueTypes.Convert(object, Type)"/>) and writes them one after another.
    /// A value that does not fit is refused before any byte is written.
    /// </summary>
    /// <inheritdoc cref="WriteValues{T}(long, ReadOnlySpan{T}, bool)" path="/exception"/>
    public void WriteValues(Type type, long offset, IReadOnlyList<object> values, bool bigEndian = false)
    {
        ArgumentNullException.ThrowIfNull(values);
        switch (Type.GetTypeCode(NumericValueTypes.Require(type)))
        {
            case TypeCode.SByte: WriteValues(offset, ConvertAll<sbyte>(values), bigEndian); break;
            case TypeCode.Byte: WriteValues(offset, ConvertAll<byte>(values), bigEndian); break;
            case TypeCode.Int16: WriteValues(offset, ConvertAll<short>(values), bigEndian); break;
            case TypeCode.UInt16: WriteValues(offset, ConvertAll<ushort>(values), bigEndian); break;
            case TypeCode.Int32: WriteValues(offset, ConvertAll<int>(values), bigEndian); break;
            case TypeCode.UInt32: WriteValues(offset, ConvertAll<uint>(values), bigEndian); break;
            case TypeCode.Int64: WriteValues(offset, ConvertAll<long>(values), bigEndian); break;
            case TypeCode.UInt64: WriteValues(offset, ConvertAll<ulong>(values), bigEndian); break;
            case TypeCode.Single: WriteValues(offset, ConvertAll<float>(values), bigEndian); break;
            default: WriteValues(offset, ConvertAll<double>(values), bigEndian); break;
        }
    }

    private static ReadOnlySpan<T> ConvertAll<T>(IReadOnlyList<object> values) where T : unmanaged, INumber<T>, IMinMaxValue<T> =>
        values.Select(NumericValueTypes.Convert<T>).ToArray();

    /// <summary>Reverses each value's bytes when the requested order is not this machine's.</summary>
    private static void SwapIfNeeded<T>(Span<byte> bytes, bool bigEndian) where T : unmanaged
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (size > 1 && bigEndian == BitConverter.IsLittleEndian)
        {
            for (int at = 0; at < bytes.Length; at += size)
            {
                bytes.Slice(at, size).Reverse();
            }
        }
    }
}
