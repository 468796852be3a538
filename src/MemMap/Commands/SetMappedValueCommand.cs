using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>Set-MappedValue: writes numbers (SByte … UInt64, Single, Double) into a mapping, one after another; with -Expected, a compare-and-swap of one integer.</summary>
[Cmdlet(VerbsCommon.Set, "MappedValue", SupportsShouldProcess = true, DefaultParameterSetName = ValuesSet)]
[OutputType(typeof(MemoryMapping), ParameterSetName = [ValuesSet])]
[OutputType(typeof(bool), ParameterSetName = [CompareAndSwapSet])]
public sealed class SetMappedValueCommand : MemMapCmdlet
{
    private const string ValuesSet = "Values";
    private const string CompareAndSwapSet = "CompareAndSwap";

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

    /// <summary>Compare-and-swap: write the one -Value only if the integer there equals this value, in one atomic step; outputs $true when it wrote, else $false.</summary>
    [Parameter(Mandatory = true, ParameterSetName = CompareAndSwapSet)]
    public object Expected { get; set; } = 0;

    /// <summary>Store the values most significant byte first (network order); by default least significant first.</summary>
    [Parameter(ParameterSetName = ValuesSet)]
    public SwitchParameter BigEndian { get; set; }

    /// <summary>Pass the mapping on down the pipeline.</summary>
    [Parameter(ParameterSetName = ValuesSet)]
    public SwitchParameter PassThru { get; set; }

    #endregion

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        object[] values = Value.Select(value => value is PSObject wrapped ? wrapped.BaseObject : value).ToArray();
        if (ParameterSetName == CompareAndSwapSet)
        {
            CompareAndSwap(values);
            return;
        }
        string order = BigEndian ? "big-endian" : "little-endian";
        if (TryCall(() => HexLiteralHint.Explain(() => Mapping.CheckValues(Type, Offset, values), values, Type), Mapping) // validated before -WhatIf asks
            && ShouldProcess(Describe(Mapping), $"Write {values.Length} {Type.Name} values ({values.Length * NumericValueTypes.SizeOf(Type)} bytes, {order}) at offset {Offset}")
            && TryCall(() => HexLiteralHint.Explain(() => Mapping.WriteValues(Type, Offset, values, BigEndian), values, Type), Mapping)
            && PassThru)
        {
            WriteObject(Mapping);
        }
    }

    private void CompareAndSwap(object[] values)
    {
        object expected = Expected is PSObject wrapped ? wrapped.BaseObject : Expected;
        if (values.Length != 1)
        {
            WriteError(MappingErrors.ToErrorRecord(new ArgumentException(
                $"-Expected compares and swaps one value, but {values.Length} values were given: give one -Value (to write several values, leave out -Expected)."), Mapping));
            return;
        }
        bool swapped = false;
        if (TryCall(() => Mapping.CheckValues(Type, Offset, [expected, values[0]]), Mapping) // validated before -WhatIf asks
            && ShouldProcess(Describe(Mapping), $"Write {values[0]} as {Type.Name} at offset {Offset} if the value there is {expected}")
            && TryCall(() => swapped = Mapping.CompareExchangeValue(Type, Offset, expected, values[0]), Mapping))
        {
            WriteObject(swapped);
        }
    }
}
