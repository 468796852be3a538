using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>Get-MemoryMapping: the live mappings of this session.</summary>
[Cmdlet(VerbsCommon.Get, "MemoryMapping", DefaultParameterSetName = IdSet)]
[OutputType(typeof(MemoryMapping))]
public sealed class GetMemoryMappingCommand : MemMapCmdlet
{
    private const string IdSet = "Id";
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    #region Parameters

    /// <summary>Only the mappings with these ids. Without -Id or -Path, all live mappings.</summary>
    [Parameter(Position = 0, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(MappingIdCompleter))]
    public int[]? Id { get; set; }

    /// <summary>Only the mappings of these files; wildcards allowed, relative paths resolved against the current location. Takes path strings from the pipeline.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipeline = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(MappedPathCompleter))]
    public string[] Path { get; set; } = [];

    /// <summary>Only the mappings of these files, taken literally (no wildcards). Binds FileInfo objects from Get-Item/Get-ChildItem.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName", "LP")]
    [ArgumentCompleter(typeof(MappedPathCompleter))]
    public string[] LiteralPath { get; set; } = [];

    #endregion

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (Id is not null)
        {
            foreach (int id in Id)
            {
                WriteFound(MappingRegistry.Find(id), id, $"No live mapping has id {id}. Get-MemoryMapping lists the live ones.");
            }
        }
        else if (ParameterSetName is PathSet or LiteralPathSet)
        {
            bool literal = ParameterSetName == LiteralPathSet;
            foreach (string path in literal ? LiteralPath : Path)
            {
                WriteObject(MappingLookup.ByPath(this, path, literal), enumerateCollection: true);
            }
        }
        else
        {
            WriteObject(MappingRegistry.Live, enumerateCollection: true);
        }
    }

    private void WriteFound(MemoryMapping? mapping, object target, string notFound)
    {
        if (mapping is null)
        {
            WriteError(MappingErrors.Create(notFound, "MappingNotFound", ErrorCategory.ObjectNotFound, target));
        }
        else
        {
            WriteObject(mapping);
        }
    }
}
