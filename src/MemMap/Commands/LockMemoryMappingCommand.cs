using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>Lock-MemoryMapping: keeps a mapping's pages, or a range of them, in RAM (mlock2).</summary>
[Cmdlet(VerbsCommon.Lock, "MemoryMapping", SupportsShouldProcess = true)]
[OutputType(typeof(MemoryMapping))]
public sealed class LockMemoryMappingCommand : MemMapCmdlet
{
    #region Parameters

    /// <summary>The mapping to lock.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    public MemoryMapping Mapping { get; set; } = null!;

    /// <summary>Start of the range to lock; any offset, widened to its page.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long Offset { get; set; }

    /// <summary>Bytes to lock, widened to whole pages; by default to the end of the mapping.</summary>
    [Parameter]
    [Alias("Length")]
    [ValidateRange(1, long.MaxValue)]
    public long Count { get; set; }

    /// <summary>Lock each page when it is first touched (MLOCK_ONFAULT) instead of reading them all in now.</summary>
    [Parameter]
    public SwitchParameter OnFault { get; set; }

    /// <summary>Pass the mapping on down the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    #endregion

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        long? count = MyInvocation.BoundParameters.ContainsKey(nameof(Count)) ? Count : null;
        if (ShouldProcess(Describe(Mapping), $"Lock {DescribePages(Mapping, Offset, count)} in RAM{(OnFault ? " as they are touched (MLOCK_ONFAULT)" : "")}")
            && TryCall(() => Mapping.Lock(Offset, count, OnFault), Mapping)
            && PassThru)
        {
            WriteObject(Mapping);
        }
    }
}
