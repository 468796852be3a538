using System.Management.Automation;
using System.Text;

namespace MemMap.Commands;

/// <summary>Set-MappedBytes: writes bytes or text into a mapping.</summary>
[Cmdlet(VerbsCommon.Set, "MappedBytes", DefaultParameterSetName = BytesSet, SupportsShouldProcess = true)]
[OutputType(typeof(MemoryMapping))]
public sealed class SetMappedBytesCommand : MemMapCmdlet
{
    private const string BytesSet = "Bytes";
    private const string StringSet = "String";

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

    /// <summary>Pass the mapping on down the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    #endregion

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        byte[] bytes = ParameterSetName == StringSet ? Encoding.GetBytes(String) : Value;
        if (ShouldProcess(Describe(Mapping), $"Write {bytes.Length} bytes at offset {Offset}")
            && TryCall(() => Mapping.Write(Offset, bytes), Mapping)
            && PassThru)
        {
            WriteObject(Mapping);
        }
    }
}
