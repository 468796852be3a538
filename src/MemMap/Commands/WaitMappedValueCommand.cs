using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>Wait-MappedValue: waits (futex) until an integer in a mapping equals a value, or differs from it, and outputs the value seen.</summary>
[Cmdlet(VerbsLifecycle.Wait, "MappedValue")]
[OutputType(typeof(sbyte), typeof(byte), typeof(short), typeof(ushort), typeof(int), typeof(uint), typeof(long), typeof(ulong))]
public sealed class WaitMappedValueCommand : MemMapCmdlet
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

    /// <summary>The value to wait for; with -NotEqual, the value to wait to leave.</summary>
    [Parameter(Mandatory = true, Position = 3)]
    public object Value { get; set; } = 0;

    /// <summary>Wait until the integer differs from -Value instead.</summary>
    [Parameter]
    public SwitchParameter NotEqual { get; set; }

    /// <summary>The longest to wait, in seconds (fractions allowed); then a Wait.Timeout error. By default waits until Ctrl+C.</summary>
    [Parameter]
    [ValidateRange(0, 2147483.0)]
    public double Timeout { get; set; }

    #endregion

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        object value = Value is PSObject wrapped ? wrapped.BaseObject : Value;
        TimeSpan? timeout = BoundOrNull(nameof(Timeout), Timeout) is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
        if (TryGet(() => Mapping.WaitValue(Type, Offset, value, NotEqual, timeout, StopToken), Mapping) is { } seen)
        {
            WriteObject(seen); // Ctrl+C cancels StopToken: TryGet ends the pipeline as a stop
        }
    }
}
