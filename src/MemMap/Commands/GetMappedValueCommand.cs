using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>Get-MappedValue: reads numbers (SByte … UInt64, Single, Double) from a mapping, one value per pipeline object.</summary>
[Cmdlet(VerbsCommon.Get, "MappedValue")]
[OutputType(typeof(sbyte), typeof(byte), typeof(short), typeof(ushort), typeof(int), typeof(uint), typeof(long), typeof(ulong), typeof(float), typeof(double))]
[OutputType(typeof(sbyte[]), typeof(byte[]), typeof(short[]), typeof(ushort[]), typeof(int[]), typeof(uint[]), typeof(long[]), typeof(ulong[]), typeof(float[]), typeof(double[]))]
public sealed class GetMappedValueCommand : MemMapCmdlet
{
    #region Parameters

    /// <summary>The mapping to read.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(MappingCompleter))]
    public MemoryMapping Mapping { get; set; } = null!;

    /// <summary>Where the first value starts, from the start of the mapping; any alignment.</summary>
    [Parameter(Position = 1)]
    [ValidateRange(0, long.MaxValue)]
    public long Offset { get; set; }

    /// <summary>The type of the values: SByte, Byte, Int16, UInt16, Int32, UInt32, Int64, UInt64, Single or Double, by name ('int', 'uint64', …) or as a [type].</summary>
    [Parameter(Mandatory = true, Position = 2)]
    [NumericTypeTransformation]
    [ArgumentCompleter(typeof(NumericTypeCompleter))]
    public Type Type { get; set; } = typeof(byte);

    /// <summary>How many consecutive values to read; 1 by default.</summary>
    [Parameter(Position = 3)]
    [ValidateRange(0, 0x7FFFFFC7)] // Array.MaxLength
    public int Count { get; set; } = 1;

    /// <summary>The values are stored most significant byte first (network order); by default least significant first.</summary>
    [Parameter]
    public SwitchParameter BigEndian { get; set; }

    /// <summary>Write the values as one typed array (such as Int32[]), as Write-Output -NoEnumerate does, instead of one pipeline object each: a million values at the speed of reading their bytes.</summary>
    [Parameter]
    public SwitchParameter NoEnumerate { get; set; }

    #endregion

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        Array? values = TryGet(() => Mapping.ReadValues(Type, Offset, Count, BigEndian), Mapping);
        if (values is not null)
        {
            WriteObject(values, enumerateCollection: !NoEnumerate);
        }
    }
}
