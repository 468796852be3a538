using System.Management.Automation;
using System.Text;

namespace MemMap.Commands;

/// <summary>Set-MappedByte (alias Set-MappedBytes, its name in the original design): writes bytes or text into a mapping, or fills a range with one byte.</summary>
[Alias("Set-MappedBytes")]
[Cmdlet(VerbsCommon.Set, "MappedByte", DefaultParameterSetName = BytesSet, SupportsShouldProcess = true)]
[OutputType(typeof(MemoryMapping))]
public sealed class SetMappedByteCommand : MemMapCmdlet
{
    private const string BytesSet = "Bytes";
    private const string StringSet = "String";
    private const string FillSet = "Fill";

    #region Parameters

    /// <summary>The mapping to write.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(MappingCompleter))]
    public MemoryMapping Mapping { get; set; } = null!;

    /// <summary>Where to start writing, from the start of the mapping.</summary>
    [Parameter(Position = 1)]
    [ValidateRange(0, long.MaxValue)]
    public long Offset { get; set; }

    /// <summary>The bytes to write.</summary>
    [Parameter(Mandatory = true, Position = 2, ParameterSetName = BytesSet)]
    [AllowEmptyCollection]
    [BytesTransformation]
    public byte[] Value { get; set; } = [];

    /// <summary>Text to write, encoded with -Encoding (no byte-order mark).</summary>
    [Parameter(Mandatory = true, ParameterSetName = StringSet)]
    [AllowEmptyString]
    public string String { get; set; } = "";

    /// <summary>The text encoding for -String: utf8 (default), ascii, unicode, utf32, latin1, bigendianunicode, or any .NET encoding name or code page.</summary>
    [Parameter(ParameterSetName = StringSet)]
    [EncodingTransformation]
    [ArgumentCompleter(typeof(EncodingCompleter))]
    public Encoding Encoding { get; set; } = EncodingTransformationAttribute.DefaultEncoding;

    /// <summary>The byte to set every byte of the range to (memset).</summary>
    [Parameter(Mandatory = true, ParameterSetName = FillSet)]
    public byte Fill { get; set; }

    /// <summary>How many bytes -Fill sets, from -Offset.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FillSet)]
    [ValidateRange(0, long.MaxValue)]
    public long Count { get; set; }

    /// <summary>Pass the mapping on down the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    #endregion

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        bool fill = ParameterSetName == FillSet;
        // Text the encoding cannot represent is an error (EncoderFallbackException), never '?' bytes.
        byte[]? bytes = fill ? [] : ParameterSetName == StringSet ? TryGet(() => TextBytes.Encode(Encoding, String, Offset, "nothing was written"), String) : Value;
        if (bytes is null)
        {
            return;
        }
        string action = fill ? $"Set {Count} bytes at offset {Offset} to 0x{Fill:X2}" : $"Write {bytes.Length} bytes at offset {Offset}";
        if (TryCall(() => Mapping.CheckBytes(Offset, fill ? Count : bytes.Length), Mapping)
            && ShouldProcess(Describe(Mapping), action)
            && TryCall(() => { if (fill) Mapping.Fill(Offset, Count, Fill); else Mapping.Write(Offset, bytes); }, Mapping)
            && PassThru)
        {
            WriteObject(Mapping);
        }
    }
}
