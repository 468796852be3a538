using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>Get-MemoryMapping: the live mappings of this session.</summary>
[Cmdlet(VerbsCommon.Get, "MemoryMapping", DefaultParameterSetName = IdSet)]
[OutputType(typeof(MemoryMapping))]
public sealed class GetMemoryMappingCommand : MemMapCmdlet
{
    private const string IdSet = "Id";
    private const string PathSet = "Path";

    #region Parameters

    /// <summary>Only the mappings with these ids. Without -Id or -Path, all live mappings.</summary>
    [Parameter(Position = 0, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(MappingIdCompleter))]
    public int[]? Id { get; set; }

    /// <summary>Only the mappings of these files; wildcards allowed, relative paths resolved against the current location.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [SupportsWildcards]
    public string[] Path { get; set; } = [];

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
        else if (ParameterSetName == PathSet)
        {
            foreach (string path in Path)
            {
                var pattern = new WildcardPattern(SessionState.Path.GetUnresolvedProviderPathFromPSPath(path), WildcardOptions.None);
                MemoryMapping[] found = MappingRegistry.Live.Where(mapping => mapping.Path is not null && pattern.IsMatch(mapping.Path)).ToArray();
                if (found.Length == 0 && !WildcardPattern.ContainsWildcardCharacters(path))
                {
                    WriteFound(null, path, $"No live mapping is of the file {path}.");
                }
                WriteObject(found, enumerateCollection: true);
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
