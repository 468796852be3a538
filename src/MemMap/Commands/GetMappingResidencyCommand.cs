using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>Get-MappingResidency: how much of a mapping (mincore) or of files (cachestat, fincore's job) is in RAM.</summary>
[Cmdlet(VerbsCommon.Get, "MappingResidency", DefaultParameterSetName = PathSet)]
[OutputType(typeof(MappingResidency))]
public sealed class GetMappingResidencyCommand : MemMapCmdlet
{
    private const string MappingSet = "Mapping";
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    private readonly Stopwatch elapsed = new();
    private TimeSpan lastProgress;
    private int measured;

    #region Parameters

    /// <summary>The mappings to measure (mincore on their pages).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = MappingSet)]
    [ArgumentCompleter(typeof(MappingCompleter))]
    public MemoryMapping[] Mapping { get; set; } = [];

    /// <summary>The files to measure; wildcards allowed. No mapping is left behind.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>The files to measure, taken literally; Get-ChildItem output binds here (PSPath).</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>Also list the runs of resident pages (ResidentRanges), drawn as a strip by the default view.</summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    #endregion

    /// <inheritdoc/>
    protected override void BeginProcessing() => elapsed.Start();

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (ParameterSetName == MappingSet)
        {
            foreach (MemoryMapping mapping in Mapping)
            {
                Write(TryGet(() => mapping.Residency(Detailed), mapping));
            }
            return;
        }
        foreach ((string file, bool quietAboutFolders) in ResolveFiles())
        {
            if (quietAboutFolders && Directory.Exists(file))
            {
                continue; // Get-ChildItem -Recurse and wildcards bring folders along: their files come on their own.
            }
            ShowProgress(file);
            Write(TryGet(() => FileResidency.Measure(file, Detailed, StopToken), file));
        }
    }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        if (lastProgress > TimeSpan.Zero)
        {
            WriteProgress(new ProgressRecord(0, "Get-MappingResidency", $"{measured} files measured") { RecordType = ProgressRecordType.Completed });
        }
    }

    /// <summary>The file-system paths to measure, and whether a folder among them came from a wildcard or the pipeline (then skipped quietly).</summary>
    private IEnumerable<(string File, bool QuietAboutFolders)> ResolveFiles()
    {
        if (ParameterSetName == LiteralPathSet)
        {
            return LiteralPath.Select(path => (SessionState.Path.GetUnresolvedProviderPathFromPSPath(path), MyInvocation.ExpectingInput));
        }
        var files = new List<(string, bool)>();
        foreach (string path in Path)
        {
            try
            {
                Collection<string> resolved = SessionState.Path.GetResolvedProviderPathFromPSPath(path, out ProviderInfo provider);
                if (provider.Name != "FileSystem")
                {
                    WriteError(MappingErrors.Create($"{path} is not a file-system path; residency is measured for files.", "NotAFile", ErrorCategory.InvalidArgument, path));
                    continue;
                }
                files.AddRange(resolved.Select(file => (file, WildcardPattern.ContainsWildcardCharacters(path) || MyInvocation.ExpectingInput)));
            }
            catch (ItemNotFoundException missing)
            {
                WriteError(new ErrorRecord(missing, "PathNotFound", ErrorCategory.ObjectNotFound, path));
            }
        }
        return files;
    }

    /// <summary>Shows progress once the work has taken more than a second: thousands of files take a while.</summary>
    private void ShowProgress(string file)
    {
        measured++;
        if (elapsed.Elapsed > TimeSpan.FromSeconds(1) && elapsed.Elapsed - lastProgress > TimeSpan.FromMilliseconds(200))
        {
            lastProgress = elapsed.Elapsed;
            WriteProgress(new ProgressRecord(0, "Get-MappingResidency", $"{measured} files measured") { CurrentOperation = file });
        }
    }

    /// <summary>The type name that selects the view drawing ResidentRanges as a strip.</summary>
    private const string DetailedView = "MemMap.MappingResidency#Detailed";

    private void Write(MappingResidency? residency)
    {
        if (residency is null)
        {
            return;
        }
        var output = PSObject.AsPSObject(residency);
        if (Detailed)
        {
            output.TypeNames.Insert(0, DetailedView);
        }
        WriteObject(output);
    }
}
