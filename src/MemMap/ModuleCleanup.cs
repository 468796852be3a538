using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace MemMap.Commands;

/// <summary>
/// When a runspace removes the module, unmaps the mappings that runspace created, so none outlives
/// the cmdlets that could reach it there. PowerShell calls OnRemove on the thread of the runspace
/// that runs Remove-Module; mappings of other runspaces (the main session while a
/// ForEach-Object -Parallel block imports and removes the module) stay mapped and listed.
/// </summary>
public sealed class ModuleCleanup : IModuleAssemblyCleanup
{
    /// <summary>The owner tag New-MemoryMapping gives a mapping: the runspace it runs in.</summary>
    internal static object? CurrentOwner => Runspace.DefaultRunspace?.InstanceId;

    /// <inheritdoc/>
    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        if (CurrentOwner is { } owner)
        {
            MappingRegistry.DisposeOwnedBy(owner);
        }
    }
}
