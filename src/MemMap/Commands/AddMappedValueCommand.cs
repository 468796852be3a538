using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>Add-MappedValue: adds to an integer in a mapping in one atomic step (fetch-add) and outputs the new value.</summary>
[Cmdlet(VerbsCommon.Add, "MappedValue", SupportsShouldProcess = true)]
[OutputType(typeof(sbyte), typeof(byte), typeof(short), typeof(ushort), typeof(int), typeof(uint), typeof(long), typeof(ulong))]
public sealed class AddMappedValueCommand : MemMapCmdlet
{
    #region Parameters

    /// <summary>The mapping that holds the integer.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(MappingCompleter))]
    public MemoryMapping Mapping { get; set; } = null!;

    /// <summary>Where the integer is, from the start of the mapping: a multiple of its size.</summary>
    [Parameter(Position = 1)]
    [ValidateRange(0, long.MaxValue)]
    public long Offset { get; set; }

    /// <summary>The integer type: SByte, Byte, Int16, UInt16, Int32, UInt32, Int64 or UInt64, by name or as a [type].</summary>
    [Parameter(Mandatory = true, Position = 2)]
    [NumericTypeTransformation]
    [ArgumentCompleter(typeof(NumericTypeCompleter))]
    public Type Type { get; set; } = typeof(long);

    /// <summary>What to add (may be negative for a signed type); converted to -Type. The sum wraps around like Interlocked.Add.</summary>
    [Parameter(Position = 3)]
    public object Value { get; set; } = 1;

    #endregion

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        object value = Value is PSObject wrapped ? wrapped.BaseObject : Value;
        if (TryCall(() => Mapping.CheckValues(Type, Offset, [value]), Mapping) // validated before -WhatIf asks
            && ShouldProcess(Describe(Mapping), $"Add {value} to the {Type.Name} at offset {Offset}")
            && TryGet(() => Mapping.AddValue(Type, Offset, value), Mapping) is { } sum)
        {
            WriteObject(sum);
        }
    }
}
