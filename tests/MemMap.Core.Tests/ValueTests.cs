using System.Buffers.Binary;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>Typed values: the same bytes as BinaryPrimitives in both byte orders, checked conversion, and the bytes' safety contract.</summary>
public sealed class ValueTests : IDisposable
{
    private readonly TempFiles files = new();
    private static readonly int Page = Environment.SystemPageSize;

    public void Dispose() => files.Dispose();

    public static TheoryData<bool> BothOrders() => [false, true];

    [Theory]
    [MemberData(nameof(BothOrders))]
    public void Every_type_reads_the_bytes_BinaryPrimitives_reads_at_an_odd_offset(bool bigEndian)
    {
        byte[] bytes = TempFiles.Pattern(64).Select(b => (byte)(b * 37 + 11)).ToArray();
        using MemoryMapping mapping = MemoryMapping.MapFile(files.Create(bytes));
        ReadOnlySpan<byte> at(int offset) => bytes.AsSpan(offset);

        Assert.Equal((sbyte)bytes[3], mapping.ReadValues<sbyte>(3, 1)[0]);
        Assert.Equal(bytes[3], mapping.ReadValues<byte>(3, 1)[0]);
        Assert.Equal(bigEndian ? BinaryPrimitives.ReadInt16BigEndian(at(3)) : BinaryPrimitives.ReadInt16LittleEndian(at(3)), mapping.ReadValues<short>(3, 1, bigEndian)[0]);
        Assert.Equal(bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(at(3)) : BinaryPrimitives.ReadUInt16LittleEndian(at(3)), mapping.ReadValues<ushort>(3, 1, bigEndian)[0]);
        Assert.Equal(bigEndian ? BinaryPrimitives.ReadInt32BigEndian(at(3)) : BinaryPrimitives.ReadInt32LittleEndian(at(3)), mapping.ReadValues<int>(3, 1, bigEndian)[0]);
        Assert.Equal(bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(at(3)) : BinaryPrimitives.ReadUInt32LittleEndian(at(3)), mapping.ReadValues<uint>(3, 1, bigEndian)[0]);
        Assert.Equal(bigEndian ? BinaryPrimitives.ReadInt64BigEndian(at(3)) : BinaryPrimitives.ReadInt64LittleEndian(at(3)), mapping.ReadValues<long>(3, 1, bigEndian)[0]);
        Assert.Equal(bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(at(3)) : BinaryPrimitives.ReadUInt64LittleEndian(at(3)), mapping.ReadValues<ulong>(3, 1, bigEndian)[0]);
        Assert.Equal(BitConverter.SingleToInt32Bits(bigEndian ? BinaryPrimitives.ReadSingleBigEndian(at(3)) : BinaryPrimitives.ReadSingleLittleEndian(at(3))),
            BitConverter.SingleToInt32Bits(mapping.ReadValues<float>(3, 1, bigEndian)[0]));
        Assert.Equal(BitConverter.DoubleToInt64Bits(bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(at(3)) : BinaryPrimitives.ReadDoubleLittleEndian(at(3))),
            BitConverter.DoubleToInt64Bits(mapping.ReadValues<double>(3, 1, bigEndian)[0]));

        int[] consecutive = mapping.ReadValues<int>(5, 4, bigEndian);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(bigEndian ? BinaryPrimitives.ReadInt32BigEndian(at(5 + 4 * i)) : BinaryPrimitives.ReadInt32LittleEndian(at(5 + 4 * i)), consecutive[i]);
        }
    }

    [Theory]
    [MemberData(nameof(BothOrders))]
    public void Values_at_the_edges_round_trip_and_are_stored_as_BinaryPrimitives_stores_them(bool bigEndian)
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 256 });

        RoundTrip<sbyte>(mapping, bigEndian, [sbyte.MinValue, -1, 0, sbyte.MaxValue], (s, v) => s[0] = (byte)v);
        RoundTrip<byte>(mapping, bigEndian, [0, 1, byte.MaxValue], (s, v) => s[0] = v);
        RoundTrip<short>(mapping, bigEndian, [short.MinValue, -1, 0, short.MaxValue], (s, v) => Store(s, bigEndian, v, BinaryPrimitives.WriteInt16BigEndian, BinaryPrimitives.WriteInt16LittleEndian));
        RoundTrip<ushort>(mapping, bigEndian, [0, 0x1234, ushort.MaxValue], (s, v) => Store(s, bigEndian, v, BinaryPrimitives.WriteUInt16BigEndian, BinaryPrimitives.WriteUInt16LittleEndian));
        RoundTrip<int>(mapping, bigEndian, [int.MinValue, -1, 0, 0x12345678, int.MaxValue], (s, v) => Store(s, bigEndian, v, BinaryPrimitives.WriteInt32BigEndian, BinaryPrimitives.WriteInt32LittleEndian));
        RoundTrip<uint>(mapping, bigEndian, [0, 0xDEADBEEF, uint.MaxValue], (s, v) => Store(s, bigEndian, v, BinaryPrimitives.WriteUInt32BigEndian, BinaryPrimitives.WriteUInt32LittleEndian));
        RoundTrip<long>(mapping, bigEndian, [long.MinValue, -1, 0, 0x0102030405060708, long.MaxValue], (s, v) => Store(s, bigEndian, v, BinaryPrimitives.WriteInt64BigEndian, BinaryPrimitives.WriteInt64LittleEndian));
        RoundTrip<ulong>(mapping, bigEndian, [0, ulong.MaxValue], (s, v) => Store(s, bigEndian, v, BinaryPrimitives.WriteUInt64BigEndian, BinaryPrimitives.WriteUInt64LittleEndian));
        RoundTrip<float>(mapping, bigEndian, [float.MinValue, float.MaxValue, float.Epsilon, -0.0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1.5f],
            (s, v) => Store(s, bigEndian, v, BinaryPrimitives.WriteSingleBigEndian, BinaryPrimitives.WriteSingleLittleEndian));
        RoundTrip<double>(mapping, bigEndian, [double.MinValue, double.MaxValue, double.Epsilon, -0.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity, Math.PI],
            (s, v) => Store(s, bigEndian, v, BinaryPrimitives.WriteDoubleBigEndian, BinaryPrimitives.WriteDoubleLittleEndian));
    }

    [Fact]
    public void The_non_generic_calls_take_a_Type_and_convert_numbers_and_strings()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 64 });

        Type uint16 = NumericValueTypes.Parse("UInt16");
        mapping.WriteValues(uint16, 1, [1, 2L, "0x0102", 255.0, "65535"], bigEndian: true);

        Assert.Equal(new byte[] { 0, 0, 1, 0, 2, 1, 2, 0, 255, 255, 255 }, mapping.Read(0, 11));
        Assert.Equal(new ushort[] { 1, 2, 0x0102, 255, 65535 }, (ushort[])mapping.ReadValues(uint16, 1, 5, bigEndian: true));
        Assert.Equal(typeof(double[]), mapping.ReadValues(NumericValueTypes.Parse("double"), 0, 2).GetType());
        mapping.WriteValues(typeof(double), 16, [1.5, "-2.25"]);
        Assert.Equal(new[] { 1.5, -2.25 }, mapping.ReadValues<double>(16, 2));
        Assert.Equal(typeof(sbyte), NumericValueTypes.Parse("System.SByte"));
        Assert.Equal(typeof(float), NumericValueTypes.Parse("float"));
        Assert.Equal(typeof(ulong), NumericValueTypes.Parse("UINT64"));
    }

    [Theory]
    [InlineData(typeof(byte), 300)]
    [InlineData(typeof(byte), -1)]
    [InlineData(typeof(sbyte), 128)]
    [InlineData(typeof(int), 1.5)]
    [InlineData(typeof(int), 2147483648L)]
    [InlineData(typeof(uint), -1)]
    [InlineData(typeof(long), double.NaN)]
    [InlineData(typeof(ulong), double.PositiveInfinity)]
    [InlineData(typeof(short), "40000")]
    [InlineData(typeof(int), "twelve")]
    [InlineData(typeof(float), 1e300)]
    [InlineData(typeof(int), true)]
    public void A_value_that_does_not_fit_is_refused_before_any_byte_is_written(Type type, object bad)
    {
        byte[] content = TempFiles.Pattern(Page);
        string path = files.Create(content);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);

        var error = Assert.ThrowsAny<ArgumentException>(() => mapping.WriteValues(type, 0, [1, 2, bad, 3]));

        Assert.Contains(type.Name, error.Message);
        Assert.Contains("nothing was written", error.Message);
        Assert.Equal(content, mapping.Read(0, Page));
        Assert.Equal(content, File.ReadAllBytes(path));
    }

    [Theory]
    [InlineData(typeof(decimal))]
    [InlineData(typeof(Half))]
    [InlineData(typeof(Int128))]
    [InlineData(typeof(string))]
    public void Other_types_are_refused_with_the_list_of_supported_ones(Type type)
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 64 });

        var error = Assert.Throws<ArgumentException>(() => mapping.ReadValues(type, 0, 1));
        Assert.Contains("SByte, Byte, Int16, UInt16, Int32, UInt32, Int64, UInt64, Single, Double", error.Message);
        Assert.Throws<ArgumentException>(() => mapping.ReadValues<decimal>(0, 1));
        Assert.Throws<ArgumentException>(() => NumericValueTypes.Parse("decimal"));
    }

    [Fact]
    public void Typed_access_keeps_the_safety_contract_protection_and_truncation()
    {
        string path = files.CreatePattern(4 * Page);
        using MemoryMapping readOnly = MemoryMapping.MapFile(path, new MappingOptions { Protection = MemoryProtection.Read });
        using MemoryMapping mapping = MemoryMapping.MapFile(path);

        Assert.Equal(MappingAccessFault.Protection, Assert.Throws<MappingAccessException>(() => readOnly.WriteValues<int>(0, [1])).Fault);
        ChildProcess.Run("truncate", "--size", Page.ToString(), path);

        var error = Assert.Throws<MappingAccessException>(() => mapping.ReadValues<long>(2 * Page, 4));
        Assert.Equal(MappingAccessFault.BeyondEndOfFile, error.Fault);
        Assert.Equal(MappingAccessFault.BeyondEndOfFile, Assert.Throws<MappingAccessException>(() => mapping.WriteValues<double>(3 * Page, [1.0])).Fault);
        Assert.Equal(BitConverter.ToInt32(TempFiles.Pattern(8), 4), mapping.ReadValues<int>(4, 1)[0]);
    }

    /// <summary>
    /// The edges of the typed calls' arguments: no values is an empty read and a write of nothing;
    /// a negative count, a missing list and a type the generic one-value calls do not support are
    /// refused before a byte moves; and the range is checked before the mapping's state, for one
    /// value as for several (a removed mapping refuses a range past its end as past its end).
    /// </summary>
    [Fact]
    public void No_values_a_negative_count_a_missing_list_and_an_unsupported_type_touch_no_byte_and_the_range_is_checked_first()
    {
        byte[] content = TempFiles.Pattern(64);
        using MemoryMapping mapping = MemoryMapping.MapFile(files.Create(content));

        Assert.Empty(mapping.ReadValues<int>(0, 0));
        Assert.Empty(mapping.ReadValues<int>(64, 0));
        mapping.WriteValues<int>(0, []);
        mapping.WriteValues(typeof(int), 64, []);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => mapping.ReadValues<int>(0, -1)).ParamName);
        Assert.Equal("values", Assert.Throws<ArgumentNullException>(() => mapping.WriteValues(typeof(int), 0, null!)).ParamName);
        Assert.StartsWith("'Decimal' is not a type MemMap reads or writes", Assert.Throws<ArgumentException>(() => mapping.ReadValue<decimal>(0)).Message);
        Assert.StartsWith("'Decimal' is not a type MemMap reads or writes", Assert.Throws<ArgumentException>(() => mapping.WriteValue(0, 1m)).Message);
        Assert.StartsWith("'Decimal' is not a type MemMap reads or writes", Assert.Throws<ArgumentException>(() => mapping.ReadValues<decimal>(0, 2)).Message);
        Assert.StartsWith("'Decimal' is not a type MemMap reads or writes", Assert.Throws<ArgumentException>(() => mapping.WriteValues<decimal>(0, [1m, 2m])).Message);
        Assert.Equal(content, mapping.Read(0, 64));

        MemoryMapping memory = MemoryMapping.MapAnonymous(new MappingOptions { Length = 100, Private = true });
        using (memory)
        {
            // Not aligned, so the direct load: one byte past Length is still in the mapped page, so only the range check refuses it.
            Assert.Contains("offset 93 with count 8 reaches byte 100, past its end", Assert.Throws<ArgumentOutOfRangeException>(() => memory.ReadValue<long>(93)).Message);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.ReadValues<int>(98, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.ReadValues<int>(94, 2));
        Assert.Throws<MappingClosedException>(() => memory.ReadValues<int>(0, 1));
        Assert.Throws<MappingClosedException>(() => memory.ReadValues<int>(0, 2));
    }

    private delegate void Writer<T>(Span<byte> destination, T value);

    private static void Store<T>(Span<byte> destination, bool bigEndian, T value, Writer<T> big, Writer<T> little) =>
        (bigEndian ? big : little)(destination, value);

    private static unsafe void RoundTrip<T>(MemoryMapping mapping, bool bigEndian, T[] values, Writer<T> reference) where T : unmanaged, System.Numerics.INumber<T>
    {
        int size = sizeof(T);
        mapping.WriteValues<T>(7, values, bigEndian);

        byte[] expected = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++)
        {
            reference(expected.AsSpan(i * size), values[i]);
        }
        Assert.Equal(expected, mapping.Read(7, expected.Length));
        T[] back = mapping.ReadValues<T>(7, values.Length, bigEndian);
        Assert.Equal(expected, back.SelectMany(v => { byte[] b = new byte[size]; reference(b, v); return b; }).ToArray());
    }
}
