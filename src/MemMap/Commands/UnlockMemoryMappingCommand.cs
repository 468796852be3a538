using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>Unlock-MemoryMapping: lets the kernel swap or evict a mapping's pages again (munlock). -Mapping, -Offset, -Count and -PassThru come from <see cref="MappingPagesCmdlet"/>.</summary>
[Cmdlet(VerbsCommon.Unlock, "MemoryMapping", SupportsShouldProcess = true)]
[OutputType(typeof(MemoryMapping))]
public sealed class UnlockMemoryMappingCommand : MappingPagesCmdlet
{
    /// <inheritdoc/>
    protected override void ProcessRecord() =>
        ProcessPages(pages => $"Unlock {pages}", (offset, count) => Mapping.Unlock(offset, count));
}
