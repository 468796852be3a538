using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>Lock-ProcessMemory: locks all of this process's memory in RAM (mlockall), and with -Future all it maps from now on.</summary>
[Cmdlet(VerbsCommon.Lock, "ProcessMemory", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class LockProcessMemoryCommand : MemMapCmdlet
{
    #region Parameters

    /// <summary>Also lock every page the process maps from now on (MCL_FUTURE).</summary>
    [Parameter]
    public SwitchParameter Future { get; set; }

    /// <summary>Lock each page when it is first touched (MCL_ONFAULT) instead of reading them all in now.</summary>
    [Parameter]
    public SwitchParameter OnFault { get; set; }

    #endregion

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        string flags = "MCL_CURRENT" + (Future ? " | MCL_FUTURE" : "") + (OnFault ? " | MCL_ONFAULT" : "");
        if (ShouldProcess($"process {Environment.ProcessId}", $"Lock all its memory in RAM{(Future ? ", and all it maps from now on," : "")} (mlockall {flags})"))
        {
            TryCall(() => ProcessMemoryLock.Lock(Future, OnFault), Environment.ProcessId);
        }
    }
}
