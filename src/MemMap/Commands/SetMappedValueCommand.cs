using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>Set-MappedValue: writes numbers (SByte … UInt64, Single, Double) into a mapping, one after another.</summary>
[Cmdlet(VerbsCommon.Set, "MappedValue", SupportsShouldProcess = true)]
[OutputType(typeof(MemoryMapping))]
public sealed class SetMappedValueCommand : MemMapCmdlet
{
    #region Parameters

    /// <summary>The mapping to write.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(MappingCompleter))]
    public MemoryMapping Mapping { get; set; } = null!;

    /// <summary>Where the first value goes, from the start of the mapping; any alignment.</summary>
    [Parameter(Position = 1)]
    [ValidateRange(0, long.MaxValue)]
    public long Offset { get; set; }

    /// <summary>The type to store the values as: SByte, Byte, Int16, UInt16, Int32, UInt32, Int64, UInt64, Single or Double, by name or as a [type].</summary>
    [Parameter(Mandatory = true, Position = 2)]
    [NumericTypeTransformation]
    [ArgumentCompleter(typeof(NumericTypeCompleter))]
    public Type Type { get; set; } = typeof(byte);

    /// <summary>The values: numbers or numeric strings, each converted to -Type; one that does not fit is refused before any byte is written.</summary>
    [Parameter(Mandatory = true, Position = 3)]
    public object[] Value { get; set; } = [];

    /// <summary>Store the values most significant byte first (network order); by default least significant first.</summary>
    [Parameter]
    public SwitchParameter BigEndian { get; set; }

    /// <summary>Pass the mapping on down the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    #endregion

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        object[] values = Value.Select(value => value is PSObject wrapped ? wrapped.BaseObject : value).ToArray();
        string order = BigEndian ? "big-endian" : "little-endian";
        if (ShouldProcess(Describe(Mapping), $"Write {values.Length} {Type.Name} values ({values.Length * NumericValueTypes.SizeOf(Type)} bytes, {order}) at offset {Offset}")
            && TryCall(() => HexLiteralHint.Explain(() => Mapping.WriteValues(Type, Offset, values, BigEndian), values, Type), Mapping)
            && PassThru)
        {
            WriteObject(Mapping);
        }
    }
}
