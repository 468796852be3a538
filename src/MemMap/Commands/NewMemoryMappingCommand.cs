using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>New-MemoryMapping: maps a file (open + mmap) or anonymous memory.</summary>
// ShouldProcess on every call, as New-Item: -WhatIf maps nothing and creates no file. Impact Low:
// a mapping is undone by Remove-MemoryMapping, and -Create only ever makes or extends a file.
[Cmdlet(VerbsCommon.New, "MemoryMapping", DefaultParameterSetName = FileSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(MemoryMapping))]
public sealed class NewMemoryMappingCommand : MemMapCmdlet
{
    private const string FileSet = "Path";
    private const string AnonymousSet = "Anonymous";

    #region Parameters

    /// <summary>The file to map, relative to the current location. Not a wildcard. Binds FileInfo objects from Get-Item/Get-ChildItem.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = FileSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName", "LiteralPath")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Map zero-filled memory backed by no file.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AnonymousSet)]
    public SwitchParameter Anonymous { get; set; }

    /// <summary>Where in the file to start: a multiple of the page size.</summary>
    [Parameter(ParameterSetName = FileSet)]
    [ValidateRange(0, long.MaxValue)]
    public long Offset { get; set; }

    /// <summary>Bytes to map. Files: the rest of the file by default. Anonymous memory: required.</summary>
    [Parameter(ParameterSetName = FileSet)]
    [Parameter(Mandatory = true, ParameterSetName = AnonymousSet)]
    [ValidateRange(1, long.MaxValue)]
    public long Length { get; set; }

    /// <summary>The pages' protection: None, Read, Write, Execute or a combination (default Read, Write).</summary>
    [Parameter]
    public MemoryProtection Protection { get; set; } = MemoryProtection.ReadWrite;

    /// <summary>Copy-on-write (MAP_PRIVATE): writes stay in this mapping and never reach the file or other processes.</summary>
    [Parameter]
    public SwitchParameter Private { get; set; }

    /// <summary>Create the file if missing and extend it to Offset + Length if shorter.</summary>
    [Parameter(ParameterSetName = FileSet)]
    public SwitchParameter Create { get; set; }

    /// <summary>Fault all pages in now (MAP_POPULATE).</summary>
    [Parameter]
    public SwitchParameter Populate { get; set; }

    /// <summary>Reserve no swap space (MAP_NORESERVE).</summary>
    [Parameter]
    public SwitchParameter NoReserve { get; set; }

    /// <summary>Lock the pages in RAM (mlock); fails clearly when RLIMIT_MEMLOCK is too low.</summary>
    [Parameter]
    public SwitchParameter Locked { get; set; }

    #endregion

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var options = new MappingOptions
        {
            Offset = Offset,
            Length = MyInvocation.BoundParameters.ContainsKey(nameof(Length)) ? Length : null,
            Protection = Protection,
            Private = Private,
            Create = Create,
            Populate = Populate,
            NoReserve = NoReserve,
            Locked = Locked,
            Owner = ModuleCleanup.CurrentOwner,
        };
        bool anonymous = ParameterSetName == AnonymousSet;
        string path = anonymous ? "" : SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        string target = anonymous ? $"{Length} bytes of {(Private ? "private" : "shared")} anonymous memory" : path;
        string action = Create ? $"Create or extend the file to {Offset + Length} bytes and map it" : "Map";
        if (!ShouldProcess(target, action))
        {
            return;
        }
        MemoryMapping? mapping = anonymous
            ? TryGet(() => MemoryMapping.MapAnonymous(options), "anonymous memory")
            : TryGet(() => MemoryMapping.MapFile(path, options), path);
        if (mapping is not null)
        {
            WriteObject(mapping);
        }
    }
}
