using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>Unmaps the session's live mappings when the module is removed, so none outlives the cmdlets that could reach it.</summary>
public sealed class ModuleCleanup : IModuleAssemblyCleanup
{
    /// <inheritdoc/>
    public void OnRemove(PSModuleInfo psModuleInfo) => MappingRegistry.DisposeAll();
}
