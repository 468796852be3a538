using System.Management.Automation;
using System.Text;

namespace MemMap.Commands;

/// <summary>Get-MappedByte: reads bytes from a mapping, as one byte[] (ready for Format-Hex) or as a string.</summary>
[Cmdlet(VerbsCommon.Get, "MappedByte")]
[OutputType(typeof(byte[]), typeof(string))]
public sealed class GetMappedByteCommand : MemMapCmdlet
{
    #region Parameters

    /// <summary>The mapping to read.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(MappingCompleter))]
    public MemoryMapping Mapping { get; set; } = null!;

    /// <summary>Where to start, from the start of the mapping.</summary>
    [Parameter(Position = 1)]
    [ValidateRange(0, long.MaxValue)]
    public long Offset { get; set; }

    /// <summary>How many bytes to read; by default up to the mapping's Length.</summary>
    [Parameter(Position = 2)]
    [ValidateRange(0, 0x7FFFFFC7)] // Array.MaxLength
    public int Count { get; set; }

    /// <summary>Decode the bytes as text instead of returning them.</summary>
    [Parameter]
    public SwitchParameter AsString { get; set; }

    /// <summary>The text encoding for -AsString: utf8 (default), ascii, unicode, utf32, latin1, bigendianunicode, or any .NET encoding name or code page.</summary>
    [Parameter]
    [EncodingTransformation]
    [ArgumentCompleter(typeof(EncodingCompleter))]
    public Encoding Encoding { get; set; } = EncodingTransformationAttribute.DefaultEncoding;

    #endregion

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        int count = MyInvocation.BoundParameters.ContainsKey(nameof(Count))
            ? Count
            : (int)Math.Clamp(Mapping.Length - Offset, 0, int.MaxValue); // over Array.MaxLength: the core explains
        byte[]? bytes = TryGet(() => Mapping.Read(Offset, count), Mapping);
        if (bytes is not null)
        {
            WriteObject(AsString ? Encoding.GetString(bytes) : bytes, enumerateCollection: false);
        }
    }
}
