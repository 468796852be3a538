using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>Unlock-MemoryMapping: lets the kernel swap or evict a mapping's pages again (munlock).</summary>
[Cmdlet(VerbsCommon.Unlock, "MemoryMapping", SupportsShouldProcess = true)]
[OutputType(typeof(MemoryMapping))]
public sealed class UnlockMemoryMappingCommand : MemMapCmdlet
{
    #region Parameters

    /// <summary>The mapping to unlock.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    public MemoryMapping Mapping { get; set; } = null!;

    /// <summary>Start of the range to unlock; any offset, widened to its page.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long Offset { get; set; }

    /// <summary>Bytes to unlock, widened to whole pages; by default to the end of the mapping.</summary>
    [Parameter]
    [Alias("Length")]
    [ValidateRange(1, long.MaxValue)]
    public long Count { get; set; }

    /// <summary>Pass the mapping on down the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    #endregion

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        long? count = MyInvocation.BoundParameters.ContainsKey(nameof(Count)) ? Count : null;
        if (ShouldProcess(Describe(Mapping), $"Unlock {DescribePages(Mapping, Offset, count)}")
            && TryCall(() => Mapping.Unlock(Offset, count), Mapping)
            && PassThru)
        {
            WriteObject(Mapping);
        }
    }
}
