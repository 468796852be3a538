using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>Resize-MemoryMapping: grows or shrinks a mapping (mremap), keeping its contents and page protection.</summary>
[Cmdlet(VerbsCommon.Resize, "MemoryMapping", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(MemoryMapping))]
public sealed class ResizeMemoryMappingCommand : MemMapCmdlet
{
    #region Parameters

    /// <summary>The mapping to resize.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(MappingCompleter))]
    public MemoryMapping Mapping { get; set; } = null!;

    /// <summary>The new length in bytes (the mapping's new Length).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateRange(1, long.MaxValue)]
    public long Length { get; set; }

    /// <summary>Grow only in place: fail rather than let the kernel move the mapping to a new Address.</summary>
    [Parameter]
    public SwitchParameter NoMove { get; set; }

    /// <summary>Extend the mapped file first when it is shorter than the new length (a file mapping never grows past the end of its file otherwise).</summary>
    [Parameter]
    public SwitchParameter ExtendFile { get; set; }

    /// <summary>Pass the mapping on down the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    #endregion

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        string action = Length < Mapping.Length
            ? $"Shrink to {Length} bytes, dropping offsets {Length} to {Mapping.Length - 1}"
            : $"Grow to {Length} bytes{(ExtendFile && Mapping.Path is not null ? ", extending the file if it is shorter" : "")}";
        if (TryCall(() => Mapping.CheckResize(Length, ExtendFile), Mapping)
            && ShouldProcess(Describe(Mapping), action)
            && TryCall(() => Mapping.Resize(Length, allowMove: !NoMove, extendFile: ExtendFile), Mapping)
            && PassThru)
        {
            WriteObject(Mapping);
        }
    }
}
