using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>Remove-MemoryMapping: unmaps (munmap) and closes the file.</summary>
[Cmdlet(VerbsCommon.Remove, "MemoryMapping", DefaultParameterSetName = MappingSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(MemoryMapping))]
public sealed class RemoveMemoryMappingCommand : MemMapCmdlet
{
    private const string MappingSet = "Mapping";
    private const string IdSet = "Id";
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    #region Parameters

    /// <summary>The mappings to remove.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = MappingSet)]
    [ArgumentCompleter(typeof(MappingCompleter))]
    public MemoryMapping[] Mapping { get; set; } = [];

    /// <summary>The ids of the mappings to remove.</summary>
    [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(MappingIdCompleter))]
    public int[] Id { get; set; } = [];

    /// <summary>Unmap only the pages from this offset (a multiple of the page size); the mapping lives on with a hole.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long Offset { get; set; }

    /// <summary>With -Offset: bytes to unmap, rounded up to whole pages; by default to the end of the mapping.</summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long Count { get; set; }

    /// <summary>Remove the mappings of these files; wildcards allowed.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(MappedPathCompleter))]
    public string[] Path { get; set; } = [];

    /// <summary>Remove the mappings of these files, taken literally. Binds FileInfo objects from Get-Item/Get-ChildItem.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName", "LP")]
    [ArgumentCompleter(typeof(MappedPathCompleter))]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>Also remove the name of a shared-memory object (shm_unlink) once it is unmapped; other processes' mappings of it live on.</summary>
    [Parameter]
    public SwitchParameter Unlink { get; set; }

    /// <summary>Pass each mapping on (IsOpen is false once it is wholly removed).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    #endregion

    private bool IsPartial => MyInvocation.BoundParameters.ContainsKey(nameof(Offset)) || MyInvocation.BoundParameters.ContainsKey(nameof(Count));

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        IEnumerable<MemoryMapping?> targets = ParameterSetName switch
        {
            IdSet => Id.Select(MappingRegistry.Find),
            PathSet => Path.SelectMany(path => MappingLookup.ByPath(this, path, literal: false)),
            LiteralPathSet => LiteralPath.SelectMany(path => MappingLookup.ByPath(this, path, literal: true)),
            _ => Mapping,
        };
        foreach ((MemoryMapping? mapping, int index) in targets.Select((mapping, index) => (mapping, index)))
        {
            if (mapping is null)
            {
                WriteError(MappingErrors.Create($"No live mapping has id {Id[index]}. Get-MemoryMapping lists the live ones.", "MappingNotFound", ErrorCategory.ObjectNotFound, Id[index]));
            }
            else if (!mapping.IsOpen)
            {
                WriteError(MappingErrors.ToErrorRecord(new MappingClosedException(mapping.Id, mapping.Path ?? mapping.Kind.ToString()), mapping));
            }
            else if (Unlink && (mapping.Kind != MappingKind.SharedMemory || IsPartial))
            {
                WriteError(MappingErrors.Create(IsPartial
                    ? "-Unlink removes a shared-memory object's name with its whole mapping; leave out -Offset and -Count."
                    : $"Mapping {mapping.Id} is {mapping.Kind}: only shared memory (New-MemoryMapping -Name) has a name to unlink. It was not removed; leave out -Unlink to remove it.", "NotSharedMemory", ErrorCategory.InvalidOperation, mapping));
            }
            else if (IsPartial)
            {
                long? count = BoundOrNull(nameof(Count), Count);
                if (TryCall(() => mapping.CheckWholePages(Offset, count, "Unmapping"), mapping)
                    && ShouldProcess(Describe(mapping), $"Unmap the pages from offset {Offset}{(count is null ? " to the end" : $" for {count} bytes")}")
                    && TryCall(() => mapping.Unmap(Offset, count), mapping)
                    && PassThru)
                {
                    WriteObject(mapping);
                }
            }
            else if (ShouldProcess(Describe(mapping), Unlink ? $"Unmap and unlink {mapping.Name}" : "Unmap"))
            {
                mapping.Dispose();
                if (Unlink && !TryCall(mapping.Unlink, mapping))
                {
                    continue;
                }
                if (PassThru)
                {
                    WriteObject(mapping);
                }
            }
        }
    }
}
