using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>Copy-MappedByte: copies bytes within a mapping (memmove: overlapping ranges are fine) or from one mapping into another.</summary>
[Cmdlet(VerbsCommon.Copy, "MappedByte", SupportsShouldProcess = true)]
[OutputType(typeof(MemoryMapping))]
public sealed class CopyMappedByteCommand : MemMapCmdlet
{
    #region Parameters

    /// <summary>The mapping to copy from.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(MappingCompleter))]
    public MemoryMapping Mapping { get; set; } = null!;

    /// <summary>Where the bytes to copy start, from the start of -Mapping.</summary>
    [Parameter(Position = 1)]
    [ValidateRange(0, long.MaxValue)]
    public long Offset { get; set; }

    /// <summary>How many bytes to copy; by default from -Offset to the end of -Mapping.</summary>
    [Parameter(Position = 2)]
    [ValidateRange(0, long.MaxValue)]
    public long Count { get; set; }

    /// <summary>The mapping to copy into; by default -Mapping itself.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(MappingCompleter))]
    public MemoryMapping? Destination { get; set; }

    /// <summary>Where to copy to, from the start of -Destination.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long DestinationOffset { get; set; }

    /// <summary>Pass the destination mapping on down the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    #endregion

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        MemoryMapping destination = Destination ?? Mapping;
        long count = BoundOrNull(nameof(Count), Count) ?? Mapping.Length - Offset;
        string from = destination == Mapping ? $"offset {Offset}" : $"offset {Offset} of mapping {Mapping.Id} ({Mapping.Path ?? Mapping.Kind.ToString()})";
        if (TryCall(() => Mapping.CheckBytes(Offset, count), Mapping) // both ranges validated before -WhatIf asks
            && TryCall(() => destination.CheckBytes(DestinationOffset, count), destination)
            && ShouldProcess(Describe(destination), $"Copy {count} bytes from {from} to offset {DestinationOffset}")
            && TryCall(() => Mapping.CopyTo(Offset, count, destination, DestinationOffset), destination)
            && PassThru)
        {
            WriteObject(destination);
        }
    }
}
