using System.Management.Automation;
using System.Text;

namespace MemMap.Commands;

/// <summary>Get-MappedByte: reads bytes from a mapping, as one byte[] (ready for Format-Hex), as a string, or as a hex dump numbered from the mapping's offsets.</summary>
[Cmdlet(VerbsCommon.Get, "MappedByte", DefaultParameterSetName = BytesSet)]
[OutputType(typeof(byte[]), typeof(string))]
[OutputType("Microsoft.PowerShell.Commands.ByteCollection", ParameterSetName = [HexSet])]
public sealed class GetMappedByteCommand : MemMapCmdlet
{
    private const string BytesSet = "Bytes";
    private const string StringSet = "String";
    private const string HexSet = "Hex";

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
    [Parameter(Mandatory = true, ParameterSetName = StringSet)]
    public SwitchParameter AsString { get; set; }

    /// <summary>The text encoding for -AsString: utf8 (default), ascii, unicode, utf32, latin1, bigendianunicode, or any .NET encoding name or code page.</summary>
    [Parameter(ParameterSetName = StringSet)]
    [EncodingTransformation]
    [ArgumentCompleter(typeof(EncodingCompleter))]
    public Encoding Encoding { get; set; } = EncodingTransformationAttribute.DefaultEncoding;

    /// <summary>Write the bytes as Format-Hex's rows, numbered from -Offset (the mapping's own offsets) rather than from 0.</summary>
    [Parameter(Mandatory = true, ParameterSetName = HexSet)]
    public SwitchParameter AsHex { get; set; }

    #endregion

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        int count = MyInvocation.BoundParameters.ContainsKey(nameof(Count))
            ? Count
            : (int)Math.Clamp(Mapping.Length - Offset, 0, int.MaxValue); // over Array.MaxLength: the core explains
        byte[]? bytes = TryGet(() => Mapping.Read(Offset, count), Mapping);
        if (bytes is null)
        {
            return;
        }
        if (AsHex)
        {
            WriteObject(HexDump.Rows(bytes, Offset, $"mapping {Mapping.Id} ({Mapping.Path ?? Mapping.Kind.ToString()})"), enumerateCollection: true);
        }
        else
        {
            WriteObject(AsString ? Encoding.GetString(bytes) : bytes, enumerateCollection: false);
        }
    }
}
