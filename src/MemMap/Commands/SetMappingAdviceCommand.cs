using System.Collections.ObjectModel;
using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>
/// Set-MappingAdvice: tells the kernel how a mapping's pages will be used (madvise), or how a
/// file will be read (posix_fadvise with -Path/-LiteralPath, no mapping needed).
/// </summary>
/// <remarks>
/// ConfirmImpact is High, but only the advice that drops a mapping's data (DontNeed, Free, Remove)
/// asks ShouldProcess on its own: it prompts by default. Every other advice, and all file advice,
/// runs without asking and consults ShouldProcess only when -WhatIf or -Confirm asks for it. File
/// DontNeed is harmless: the kernel evicts clean pages only (dirty ones are written back first and
/// kept), so no data is lost — the next read fetches it from the disk again.
/// </remarks>
[Cmdlet(VerbsCommon.Set, "MappingAdvice", DefaultParameterSetName = MappingSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(MemoryMapping), ParameterSetName = [MappingSet])]
[OutputType(typeof(FileInfo), ParameterSetName = [PathSet, LiteralPathSet])]
public sealed class SetMappingAdviceCommand : MemMapCmdlet
{
    private const string MappingSet = "Mapping";
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    #region Parameters

    /// <summary>The mapping to advise.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = MappingSet)]
    [ArgumentCompleter(typeof(MappingCompleter))]
    public MemoryMapping Mapping { get; set; } = null!;

    /// <summary>Files to advise (posix_fadvise) instead of a mapping; wildcards are expanded.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Files to advise, taken exactly as written (no wildcards). Binds the files Get-ChildItem outputs.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>
    /// The advice. For a mapping: Normal, Random, Sequential, WillNeed, DontNeed, Free, Remove, DontFork, DoFork,
    /// Mergeable, Unmergeable, HugePage, NoHugePage, DontDump, DoDump, Cold, PageOut, PopulateRead, PopulateWrite.
    /// For files: Normal, Random, Sequential, WillNeed, DontNeed, NoReuse.
    /// </summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ArgumentCompleter(typeof(AdviceCompleter))]
    [ValidateNotNullOrEmpty]
    public string Advice { get; set; } = "";

    /// <summary>Start of the range, from the start of the mapping or file; any offset (a mapping's range is widened to whole pages).</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long Offset { get; set; }

    /// <summary>Bytes in the range; by default to the end of the mapping or file.</summary>
    [Parameter]
    [Alias("Length")]
    [ValidateRange(1, long.MaxValue)]
    public long Count { get; set; }

    /// <summary>Pass the mapping (or, with -Path, each file as a FileInfo) on down the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    #endregion

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        long? count = BoundOrNull(nameof(Count), Count);
        if (ParameterSetName == MappingSet)
        {
            if (TryParseAdvice(Mapping, out MappingAdvice advice)
                && TryCall(() => Mapping.PagesOf(Offset, count), Mapping)
                && (!advice.IsDestructive() && !PreviewOrConfirmAsked()
                    || ShouldProcess(Describe(Mapping), $"Give advice {advice} ({advice.KernelName()}) for {DescribePages(Mapping, Offset, count)}{(advice.IsDestructive() ? ", dropping their data" : "")}"))
                && TryCall(() => Mapping.Advise(advice, Offset, count), Mapping)
                && PassThru)
            {
                WriteObject(Mapping);
            }
            return;
        }
        foreach (string file in ResolveFiles())
        {
            if (TryParseAdvice(file, out FileAdvice advice)
                && (!PreviewOrConfirmAsked() || ShouldProcess(file, $"Give file advice {advice} (posix_fadvise) from offset {Offset}"))
                && TryCall(() => FileCache.Advise(file, advice, Offset, count ?? 0), file)
                && PassThru)
            {
                WriteObject(new FileInfo(file));
            }
        }
    }

    /// <summary>-Advice as the kind of advice this parameter set takes, or an error that lists the names it does take.</summary>
    private bool TryParseAdvice<T>(object target, out T advice) where T : struct, Enum
    {
        string? name = Enum.GetNames<T>().FirstOrDefault(name => name.Equals(Advice, StringComparison.OrdinalIgnoreCase));
        advice = name is null ? default : Enum.Parse<T>(name);
        if (name is null)
        {
            bool forMapping = typeof(T) == typeof(MappingAdvice);
            bool elsewhere = (forMapping ? Enum.GetNames<FileAdvice>() : Enum.GetNames<MappingAdvice>()).Contains(Advice, StringComparer.OrdinalIgnoreCase);
            string message = $"'{Advice}' is not an advice for {(forMapping ? "a mapping" : "a file")}: use one of {string.Join(", ", Enum.GetNames<T>())}."
                + (elsewhere ? $" {Advice} applies to {(forMapping ? "files (-Path)" : "mappings (-Mapping)")} only." : "");
            WriteError(MappingErrors.ToErrorRecord(new ArgumentException(message), target));
        }
        return name is not null;
    }

    /// <summary>True when -WhatIf or -Confirm (or $WhatIfPreference) asks to preview or confirm even harmless advice.</summary>
    private bool PreviewOrConfirmAsked() =>
        MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? whatIf) && whatIf is SwitchParameter { IsPresent: true }
        || MyInvocation.BoundParameters.TryGetValue("Confirm", out object? confirm) && confirm is SwitchParameter { IsPresent: true }
        || LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));

    /// <summary>The file-system paths of -Path (wildcards expanded; a pattern that matches nothing is an error) or -LiteralPath.</summary>
    private List<string> ResolveFiles()
    {
        var files = new List<string>();
        if (ParameterSetName == LiteralPathSet)
        {
            files.AddRange(LiteralPath.Select(SessionState.Path.GetUnresolvedProviderPathFromPSPath));
            return files;
        }
        foreach (string pattern in Path)
        {
            try
            {
                Collection<string> matches = SessionState.Path.GetResolvedProviderPathFromPSPath(pattern, out ProviderInfo provider);
                if (matches.Count > 0 && provider.Name == "FileSystem")
                {
                    files.AddRange(matches);
                    continue;
                }
            }
            catch (ItemNotFoundException)
            {
                // Reported below, the same way as a pattern that matches nothing.
            }
            WriteError(MappingErrors.Create($"No file matches '{pattern}'. Check the path, or use -LiteralPath for a name with wildcard characters.", "PathNotFound", ErrorCategory.ObjectNotFound, pattern));
        }
        return files;
    }
}
