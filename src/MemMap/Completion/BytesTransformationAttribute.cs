using System.Globalization;
using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>
/// Lets a -Value of bytes refuse text with a hint at -String: <c>-Value 'hi'</c> would otherwise fail
/// with PowerShell's bare "cannot convert 'hi' to System.Byte". Numbers, and text that is a number
/// ('0x55', '170'), still convert as PowerShell converts them. A <c>byte[]</c> passes through
/// untouched: looking at each element of a 64 MiB array would box 64 million bytes.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class BytesTransformationAttribute : ArgumentTransformationAttribute
{
    /// <inheritdoc/>
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        if ((inputData is PSObject outer ? outer.BaseObject : inputData) is byte[] bytes)
        {
            return bytes;
        }
        IEnumerable<object?> items = inputData is System.Collections.IEnumerable many and not string
            ? many.Cast<object?>()
            : [inputData];
        foreach (object? item in items)
        {
            if ((item is PSObject wrapped ? wrapped.BaseObject : item) is string text && !IsNumber(text))
            {
                throw new ArgumentTransformationMetadataException(
                    $"'{text}' is text, not a byte: -Value takes numbers from 0 to 255 (such as 0x55, 0xAA). To use text, give -String '{text}' (and -Encoding if not UTF-8).");
            }
        }
        return inputData;
    }

    private static bool IsNumber(string text) =>
        text.Trim().StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? long.TryParse(text.Trim()[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out _)
            : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
}
