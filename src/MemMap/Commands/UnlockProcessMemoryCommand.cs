using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>Unlock-ProcessMemory: unlocks all of this process's memory (munlockall), the pages of locked mappings included.</summary>
[Cmdlet(VerbsCommon.Unlock, "ProcessMemory", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class UnlockProcessMemoryCommand : MemMapCmdlet
{
    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        if (ShouldProcess($"process {Environment.ProcessId}", "Unlock all its memory (munlockall), the pages of locked mappings included, and stop locking new mappings"))
        {
            TryCall(ProcessMemoryLock.Unlock, Environment.ProcessId);
        }
    }
}
