using System.Management.Automation;
using System.Text;

namespace MemMap.Commands;

/// <summary>Lets -Encoding take a name (utf8, ascii, unicode, …), a .NET encoding name, a code page or an Encoding object.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class EncodingTransformationAttribute : ArgumentTransformationAttribute
{
    /// <summary>UTF-8 without a byte-order mark.</summary>
    public static readonly Encoding DefaultEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    private static readonly Dictionary<string, Encoding> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        ["utf8"] = DefaultEncoding,
        ["utf8NoBOM"] = DefaultEncoding,
        ["ascii"] = Encoding.ASCII,
        ["latin1"] = Encoding.Latin1,
        ["unicode"] = Encoding.Unicode,
        ["bigendianunicode"] = Encoding.BigEndianUnicode,
        ["utf32"] = Encoding.UTF32,
        ["bigendianutf32"] = new UTF32Encoding(bigEndian: true, byteOrderMark: false),
    };

    /// <summary>The short names, for tab completion.</summary>
    public static IEnumerable<string> Names => Known.Keys;

    /// <inheritdoc/>
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        try
        {
            return value switch
            {
                Encoding encoding => encoding,
                int codePage => Encoding.GetEncoding(codePage),
                string name when Known.TryGetValue(name, out Encoding? known) => known,
                string name => Encoding.GetEncoding(name),
                _ => throw new ArgumentTransformationMetadataException($"{value} is not an encoding: use {string.Join(", ", Names)} or a code page."),
            };
        }
        catch (Exception error) when (error is ArgumentException or NotSupportedException)
        {
            throw new ArgumentTransformationMetadataException($"'{value}' is not an encoding this system knows: use {string.Join(", ", Names)} or a code page.", error);
        }
    }
}
