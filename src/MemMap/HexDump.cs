using System.Reflection;

namespace MemMap.Commands;

/// <summary>
/// Bytes as the rows Format-Hex writes (<c>Microsoft.PowerShell.Commands.ByteCollection</c>, 16 bytes
/// each), numbered from a mapping offset instead of 0: PowerShell's own hex view then shows them, as
/// <c>Format-Hex -Path file -Offset n</c> numbers a file's bytes. The type lives in PowerShell's
/// utility assembly, which every pwsh loads but the module does not compile against.
/// </summary>
internal static class HexDump
{
    private const int RowLength = 16;

    private static readonly ConstructorInfo? RowConstructor = Type
        .GetType("Microsoft.PowerShell.Commands.ByteCollection, Microsoft.PowerShell.Commands.Utility")
        ?.GetConstructor([typeof(ulong), typeof(string), typeof(byte[])]);

    /// <summary>The rows of <paramref name="bytes"/>, the first at <paramref name="offset"/>, all under <paramref name="label"/>.</summary>
    /// <exception cref="PlatformNotSupportedException">The host does not load PowerShell's utility cmdlets (a host built on System.Management.Automation alone).</exception>
    internal static IEnumerable<object> Rows(byte[] bytes, long offset, string label)
    {
        ConstructorInfo constructor = RowConstructor ?? throw new PlatformNotSupportedException(
            "-AsHex needs the Format-Hex rows of PowerShell 7 (Microsoft.PowerShell.Commands.Utility), which this host does not load: pipe the bytes to a hex viewer instead.");
        for (int at = 0; at < bytes.Length; at += RowLength)
        {
            yield return constructor.Invoke([(ulong)(offset + at), label, bytes.AsSpan(at, Math.Min(RowLength, bytes.Length - at)).ToArray()]);
        }
    }
}
