using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>Set-MappingProtection: changes the protection of a mapping or a run of its pages (mprotect).</summary>
[Cmdlet(VerbsCommon.Set, "MappingProtection", SupportsShouldProcess = true)]
[OutputType(typeof(MemoryMapping))]
public sealed class SetMappingProtectionCommand : MemMapCmdlet
{
    #region Parameters

    /// <summary>The mapping to change.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(MappingCompleter))]
    public MemoryMapping Mapping { get; set; } = null!;

    /// <summary>The new protection: None, Read, Write, Execute or a combination.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    public MemoryProtection Protection { get; set; }

    /// <summary>Start of the run of pages: a multiple of the page size.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long Offset { get; set; }

    /// <summary>Bytes in the run, rounded up to whole pages; by default to the end of the mapping. -Length is its old name.</summary>
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
        long? count = BoundOrNull(nameof(Count), Count);
        if (TryCall(() => Mapping.CheckWholePages(Offset, count, "Protection"), Mapping)
            && ShouldProcess(Describe(Mapping), $"Set protection {Protection} from offset {Offset}")
            && TryCall(() => Mapping.Protect(Protection, Offset, count), Mapping)
            && PassThru)
        {
            WriteObject(Mapping);
        }
    }
}
