using System.Globalization;
using System.Numerics;

namespace MemMap;

/// <summary>
/// The numeric types a mapping can be read and written as (SByte … UInt64, Single, Double): their
/// names, and the checked conversion of a value to one of them. A value that does not fit is an
/// <see cref="ArgumentException"/>, never a silent truncation.
/// </summary>
public static class NumericValueTypes
{
    /// <summary>The supported types, smallest first.</summary>
    public static IReadOnlyList<Type> All { get; } = [
        typeof(sbyte), typeof(byte), typeof(short), typeof(ushort), typeof(int), typeof(uint),
        typeof(long), typeof(ulong), typeof(float), typeof(double)];

    private static readonly Dictionary<string, Type> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        // .NET names, then the C# and PowerShell short names.
        ["sbyte"] = typeof(sbyte), ["byte"] = typeof(byte), ["int16"] = typeof(short), ["short"] = typeof(short),
        ["uint16"] = typeof(ushort), ["ushort"] = typeof(ushort), ["int32"] = typeof(int), ["int"] = typeof(int),
        ["uint32"] = typeof(uint), ["uint"] = typeof(uint), ["int64"] = typeof(long), ["long"] = typeof(long),
        ["uint64"] = typeof(ulong), ["ulong"] = typeof(ulong), ["single"] = typeof(float), ["float"] = typeof(float),
        ["double"] = typeof(double),
    };

    /// <summary>The names <see cref="Parse"/> takes (besides "System."-qualified ones), for tab completion.</summary>
    public static IEnumerable<string> KnownNames => Names.Keys;

    /// <summary>The type named <paramref name="name"/> ("Int32", "int", "System.UInt64", …).</summary>
    /// <exception cref="ArgumentException">The name is not one of the supported types.</exception>
    public static Type Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string trimmed = name.Trim();
        if (trimmed.StartsWith("System.", StringComparison.OrdinalIgnoreCase))
        {
            trimmed = trimmed["System.".Length..];
        }
        return Names.TryGetValue(trimmed, out Type? type) ? type : throw Unsupported(name);
    }

    /// <summary>Refuses a type that is not one of <see cref="All"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="type"/> is not supported.</exception>
    public static Type Require(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return All.Contains(type) ? type : throw Unsupported(type.Name);
    }

    /// <summary>The size of one value of <paramref name="type"/> in bytes.</summary>
    public static int SizeOf(Type type) => Type.GetTypeCode(Require(type)) switch
    {
        TypeCode.SByte or TypeCode.Byte => 1,
        TypeCode.Int16 or TypeCode.UInt16 => 2,
        TypeCode.Int32 or TypeCode.UInt32 or TypeCode.Single => 4,
        _ => 8,
    };

    /// <summary>
    /// Converts <paramref name="value"/> (a number, or a string such as "42", "-1.5" or "0xFF") to
    /// <paramref name="type"/>. Integer types take only whole numbers inside their range (1.5 and
    /// 300 as Byte are refused); Single refuses finite numbers beyond its range; NaN and the
    /// infinities convert to Single and Double only.
    /// </summary>
    /// <exception cref="ArgumentException">The value is not a number, or does not fit.</exception>
    public static object Convert(object value, Type type) => Type.GetTypeCode(Require(type)) switch
    {
        TypeCode.SByte => Convert<sbyte>(value),
        TypeCode.Byte => Convert<byte>(value),
        TypeCode.Int16 => Convert<short>(value),
        TypeCode.UInt16 => Convert<ushort>(value),
        TypeCode.Int32 => Convert<int>(value),
        TypeCode.UInt32 => Convert<uint>(value),
        TypeCode.Int64 => Convert<long>(value),
        TypeCode.UInt64 => Convert<ulong>(value),
        TypeCode.Single => Convert<float>(value),
        _ => Convert<double>(value),
    };

    /// <inheritdoc cref="Convert(object, Type)"/>
    public static T Convert<T>(object value) where T : unmanaged, INumber<T>, IMinMaxValue<T>
    {
        ArgumentNullException.ThrowIfNull(value);
        Require(typeof(T));
        try
        {
            T? converted = value switch
            {
                sbyte n => T.CreateChecked(n),
                byte n => T.CreateChecked(n),
                short n => T.CreateChecked(n),
                ushort n => T.CreateChecked(n),
                int n => T.CreateChecked(n),
                uint n => T.CreateChecked(n),
                long n => T.CreateChecked(n),
                ulong n => T.CreateChecked(n),
                BigInteger n => T.CreateChecked(n),
                decimal n => FromFraction<T>(n == decimal.Truncate(n), n),
                float n => FromFloating<T>(n),
                double n => FromFloating<T>(n),
                string text => FromText<T>(text),
                _ => null,
            };
            return converted ?? throw new ArgumentException(
                $"{Show(value)} ({value.GetType().Name}) is not a number: give {typeof(T).Name} values as numbers or numeric strings; nothing was written.", nameof(value));
        }
        catch (OverflowException)
        {
            throw DoesNotFit<T>(value, "is outside its range");
        }
    }

    private static T? FromFloating<T>(double value) where T : unmanaged, INumber<T>, IMinMaxValue<T>
    {
        if (typeof(T) == typeof(double) || typeof(T) == typeof(float))
        {
            if (typeof(T) == typeof(float) && double.IsFinite(value) && Math.Abs(value) > float.MaxValue)
            {
                throw DoesNotFit<T>(value, "is outside its range");
            }
            return T.CreateChecked(value);
        }
        if (!double.IsFinite(value))
        {
            throw DoesNotFit<T>(value, "is not a finite number");
        }
        return FromFraction<T>(value == Math.Truncate(value), value);
    }

    private static T? FromFraction<T>(bool whole, object value) where T : unmanaged, INumber<T>, IMinMaxValue<T>
    {
        if (!whole && typeof(T) != typeof(double) && typeof(T) != typeof(float))
        {
            throw DoesNotFit<T>(value, "is not a whole number (round it first, for example with [Math]::Round)");
        }
        return value is decimal m ? T.CreateChecked(m) : T.CreateChecked((double)value);
    }

    private static T? FromText<T>(string text) where T : unmanaged, INumber<T>, IMinMaxValue<T>
    {
        string trimmed = text.Trim();
        bool negative = trimmed.StartsWith('-');
        string digits = negative || trimmed.StartsWith('+') ? trimmed[1..] : trimmed;
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && ulong.TryParse(digits[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong hex))
        {
            return negative ? T.CreateChecked(-(BigInteger)hex) : T.CreateChecked(hex);
        }
        if (BigInteger.TryParse(trimmed, NumberStyles.Integer, CultureInfo.InvariantCulture, out BigInteger whole))
        {
            return T.CreateChecked(whole);
        }
        return double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out double number)
            ? FromFloating<T>(number)
            : null;
    }

    private static ArgumentException DoesNotFit<T>(object value, string why) where T : unmanaged, INumber<T>, IMinMaxValue<T> =>
        new($"{Show(value)} does not fit in {typeof(T).Name}: it {why}. {typeof(T).Name} holds {Show(T.MinValue)} to {Show(T.MaxValue)}{(typeof(T) == typeof(float) || typeof(T) == typeof(double) ? "" : ", whole numbers only")}; nothing was written.", nameof(value));

    private static string Show(object value) => value is IFormattable formattable
        ? formattable.ToString(null, CultureInfo.InvariantCulture)
        : $"'{value}'";

    private static ArgumentException Unsupported(string name) =>
        new($"'{name}' is not a type MemMap reads or writes: use one of {string.Join(", ", All.Select(t => t.Name))} (or the short names byte, short, int, long, float, …).", nameof(name));
}
