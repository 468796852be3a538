using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>Lock-MemoryMapping: keeps a mapping's pages, or a range of them, in RAM (mlock2). -Mapping, -Offset, -Count and -PassThru come from <see cref="MappingPagesCmdlet"/>.</summary>
[Cmdlet(VerbsCommon.Lock, "MemoryMapping", SupportsShouldProcess = true)]
[OutputType(typeof(MemoryMapping))]
public sealed class LockMemoryMappingCommand : MappingPagesCmdlet
{
    #region Parameters

    /// <summary>Lock each page when it is first touched (MLOCK_ONFAULT) instead of reading them all in now.</summary>
    [Parameter]
    public SwitchParameter OnFault { get; set; }

    #endregion

    /// <inheritdoc/>
    protected override void ProcessRecord() =>
        ProcessPages(pages => $"Lock {pages} in RAM{(OnFault ? " as they are touched (MLOCK_ONFAULT)" : "")}", (offset, count) => Mapping.Lock(offset, count, OnFault, StopToken));
}
