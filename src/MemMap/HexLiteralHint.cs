using System.Globalization;

namespace MemMap.Commands;

/// <summary>
/// Explains the one refusal of Set-MappedValue that surprises PowerShell users: a hex literal whose
/// top bit is set (0xCAFEBABE, 0xFFFFFFFFFFFFFFFF) is a negative Int32 or Int64 in PowerShell, so it
/// does not fit the unsigned type the user meant; the literal with the u suffix does.
/// </summary>
internal static class HexLiteralHint
{
    /// <summary>Runs <paramref name="write"/>; if it refuses a value that such a literal explains, adds the explanation to the error.</summary>
    /// <exception cref="ArgumentException">The refusal, with the hint when one applies.</exception>
    internal static void Explain(Action write, IEnumerable<object> values, Type type)
    {
        try
        {
            write();
        }
        catch (ArgumentException refused) when (For(values, type) is string hint)
        {
            throw new ArgumentException($"{refused.Message.Split(" (Parameter '")[0]} {hint}", refused.ParamName, refused);
        }
    }

    private static string? For(IEnumerable<object> values, Type type)
    {
        ulong max = Type.GetTypeCode(type) switch
        {
            TypeCode.UInt32 => uint.MaxValue,
            TypeCode.UInt64 => ulong.MaxValue,
            _ => 0,
        };
        foreach (object value in values)
        {
            (ulong bits, string signed) = value switch
            {
                int n when n < 0 => ((ulong)(uint)n, "Int32"),
                long n when n < 0 => ((ulong)n, "Int64"),
                _ => (0UL, ""),
            };
            if (bits != 0 && bits <= max)
            {
                string literal = "0x" + bits.ToString("X", CultureInfo.InvariantCulture);
                return $"If you wrote {literal}: PowerShell reads a hex literal whose top bit is set as a negative {signed} ({value}); write {literal}u for the {type.Name} value.";
            }
        }
        return null;
    }
}
