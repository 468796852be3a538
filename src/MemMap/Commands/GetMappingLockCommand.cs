using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>Get-MappingLock: the byte-range locks on a mapping's file or on files, from /proc/locks, the way lslocks lists them.</summary>
[Cmdlet(VerbsCommon.Get, "MappingLock", DefaultParameterSetName = MappingSet)]
[OutputType(typeof(FileLock))]
public sealed class GetMappingLockCommand : MemMapCmdlet
{
    private const string MappingSet = "Mapping";
    private const string PathSet = "Path";

    #region Parameters

    /// <summary>The mappings whose files to look at (anonymous memory has no file, so no locks the kernel lists).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = MappingSet)]
    [ArgumentCompleter(typeof(MappingCompleter))]
    public MemoryMapping[] Mapping { get; set; } = [];

    /// <summary>The files to look at; wildcards allowed; Get-ChildItem output binds here.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [Alias("PSPath", "FullName")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    #endregion

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (ParameterSetName == MappingSet)
        {
            foreach (MemoryMapping mapping in Mapping)
            {
                WriteObject(TryGet(mapping.GetFileLocks, mapping), enumerateCollection: true);
            }
            return;
        }
        foreach (string pattern in Path)
        {
            IEnumerable<string> files;
            try
            {
                files = SessionState.Path.GetResolvedProviderPathFromPSPath(pattern, out _);
            }
            catch (ItemNotFoundException missing)
            {
                WriteError(new ErrorRecord(missing, "PathNotFound", ErrorCategory.ObjectNotFound, pattern));
                continue;
            }
            foreach (string file in files)
            {
                WriteObject(TryGet(() => FileLocks.Read(file), file), enumerateCollection: true);
            }
        }
    }
}
