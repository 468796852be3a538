using System.Globalization;
using System.Text;

namespace MemMap.Commands;

/// <summary>
/// Text to bytes for -String: a character the encoding cannot represent is refused (the encodings of
/// <see cref="EncodingTransformationAttribute"/> throw rather than write '?'), with a message that
/// names the character, where it is, and the encoding, instead of .NET's "Unable to translate".
/// </summary>
internal static class TextBytes
{
    /// <summary>The bytes of <paramref name="text"/> in <paramref name="encoding"/>.</summary>
    /// <param name="encoding">An encoding whose encoder throws on a character it cannot encode.</param>
    /// <param name="text">The -String.</param>
    /// <param name="offset">Where in the mapping the bytes would go, to name the offset of the refused character; null for a search.</param>
    /// <param name="outcome">What did not happen, for the message: "nothing was written".</param>
    /// <exception cref="ArgumentException">A character cannot be encoded.</exception>
    internal static byte[] Encode(Encoding encoding, string text, long? offset, string outcome)
    {
        try
        {
            return encoding.GetBytes(text);
        }
        catch (EncoderFallbackException refused)
        {
            int code = refused.CharUnknownHigh != '\0' ? char.ConvertToUtf32(refused.CharUnknownHigh, refused.CharUnknownLow) : refused.CharUnknown;
            string character = char.ConvertFromUtf32(code);
            string where = offset is { } start
                ? $" (it would go at offset {start + encoding.GetByteCount(text[..refused.Index])} of the mapping)"
                : "";
            throw new ArgumentException(
                $"'{character}' (U+{code.ToString("X4", CultureInfo.InvariantCulture)}), character {refused.Index} of the text{where}, has no encoding in {encoding.WebName}: give an -Encoding that has it, such as utf8, or leave it out; {outcome}.", refused);
        }
    }
}
