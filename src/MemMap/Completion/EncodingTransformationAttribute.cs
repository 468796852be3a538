using System.Management.Automation;
using System.Text;

namespace MemMap.Commands;

/// <summary>
/// Lets -Encoding take PowerShell's own encoding names (utf8, utf8BOM, utf8NoBOM, ascii, ansi, oem,
/// unicode, utf16, bigendianunicode, utf32, bigendianutf32, latin1), a .NET encoding name, a code
/// page or an Encoding object. Every encoding it returns throws on text it cannot represent, so
/// writing text never puts silent '?' bytes into a mapping; decoding still shows bad bytes as U+FFFD.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class EncodingTransformationAttribute : ArgumentTransformationAttribute
{
    /// <summary>UTF-8 without a byte-order mark, PowerShell's default.</summary>
    public static readonly Encoding DefaultEncoding = Strict(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));

    private static readonly Dictionary<string, Encoding> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        ["utf8"] = DefaultEncoding,
        ["utf8NoBOM"] = DefaultEncoding,
        ["utf8BOM"] = Strict(new UTF8Encoding(encoderShouldEmitUTF8Identifier: true)),
        ["ascii"] = Strict(Encoding.ASCII),
        // On Linux PowerShell's ansi and oem are the system's encoding, UTF-8.
        ["ansi"] = DefaultEncoding,
        ["oem"] = DefaultEncoding,
        ["default"] = DefaultEncoding,
        ["latin1"] = Strict(Encoding.Latin1),
        ["unicode"] = Strict(Encoding.Unicode),
        ["utf16"] = Strict(Encoding.Unicode),
        ["bigendianunicode"] = Strict(Encoding.BigEndianUnicode),
        ["utf32"] = Strict(Encoding.UTF32),
        ["bigendianutf32"] = Strict(new UTF32Encoding(bigEndian: true, byteOrderMark: false)),
    };

    /// <summary>The names, for tab completion.</summary>
    public static IEnumerable<string> Names => Known.Keys;

    /// <inheritdoc/>
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        try
        {
            return value switch
            {
                Encoding encoding => Strict(encoding),
                int codePage => Strict(Encoding.GetEncoding(codePage)),
                string name when Known.TryGetValue(name, out Encoding? known) => known,
                string name => Strict(Encoding.GetEncoding(name)),
                _ => throw new ArgumentTransformationMetadataException($"{value} is not an encoding: use {string.Join(", ", Names)} or a code page."),
            };
        }
        catch (Exception error) when (error is ArgumentException or NotSupportedException)
        {
            throw new ArgumentTransformationMetadataException($"'{value}' is not an encoding this system knows: use {string.Join(", ", Names)} or a code page.", error);
        }
    }

    /// <summary>A copy of <paramref name="encoding"/> that throws EncoderFallbackException on a character it cannot encode.</summary>
    private static Encoding Strict(Encoding encoding)
    {
        var clone = (Encoding)encoding.Clone();
        clone.EncoderFallback = EncoderFallback.ExceptionFallback;
        return clone;
    }
}
