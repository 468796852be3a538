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
    private const string NameSet = "Name";

    #region Parameters

    /// <summary>The file to map, relative to the current location. Not a wildcard. Binds FileInfo objects from Get-Item/Get-ChildItem.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = FileSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName", "LiteralPath")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Map zero-filled memory backed by no file.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AnonymousSet)]
    public SwitchParameter Anonymous { get; set; }

    /// <summary>The POSIX shared-memory object to map (shm_open), such as /demo: opened if it exists, created with -Length if not.</summary>
    [Parameter(Mandatory = true, ParameterSetName = NameSet)]
    [ArgumentCompleter(typeof(SharedMemoryNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The permissions of a shared-memory object this creates, in octal like chmod ('0600', the default; '0660' for the group too).</summary>
    [Parameter(ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    public string Mode { get; set; } = "0600";

    /// <summary>Where in the file to start: a multiple of the page size.</summary>
    [Parameter(ParameterSetName = FileSet)]
    [Parameter(ParameterSetName = NameSet)]
    [ValidateRange(0, long.MaxValue)]
    public long Offset { get; set; }

    /// <summary>Bytes to map. Files: the rest of the file by default. Anonymous memory: required. Shared memory: the whole object by default; creates or extends it.</summary>
    [Parameter(ParameterSetName = FileSet)]
    [Parameter(ParameterSetName = NameSet)]
    [Parameter(Mandatory = true, ParameterSetName = AnonymousSet)]
    [ValidateRange(1, long.MaxValue)]
    public long Length { get; set; }

    /// <summary>The pages' protection: None, Read, Write, Execute or a combination (default Read, Write).</summary>
    [Parameter]
    public MemoryProtection Protection { get; set; } = MemoryProtection.ReadWrite;

    /// <summary>Copy-on-write (MAP_PRIVATE): writes stay in this mapping and never reach the file or other processes.</summary>
    [Parameter(ParameterSetName = FileSet)]
    [Parameter(ParameterSetName = AnonymousSet)]
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

    /// <summary>Back anonymous memory with huge pages (MAP_HUGETLB); refused clearly when /proc/meminfo shows too few free (HugePages_Total, HugePages_Free).</summary>
    [Parameter(ParameterSetName = AnonymousSet)]
    public SwitchParameter HugePages { get; set; }

    /// <summary>Map exactly at this address or fail (MAP_FIXED_NOREPLACE): an address in use is refused and left untouched.</summary>
    [Parameter]
    public IntPtr Address { get; set; }

    #endregion

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var options = new MappingOptions
        {
            Offset = Offset,
            Length = BoundOrNull(nameof(Length), Length),
            Protection = Protection,
            Private = Private,
            Create = Create,
            Populate = Populate,
            NoReserve = NoReserve,
            Locked = Locked,
            HugePages = HugePages,
            Address = BoundOrNull(nameof(Address), Address),
            Owner = ModuleCleanup.CurrentOwner,
        };
        string path = ParameterSetName == FileSet ? SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path) : "";
        string target = ParameterSetName switch
        {
            AnonymousSet => $"{Length} bytes of {(Private ? "private" : "shared")} anonymous memory",
            NameSet => $"shared-memory object {Name}",
            _ => path,
        };
        string action = Create ? $"Create or extend the file to {Offset + Length} bytes and map it"
            : ParameterSetName == NameSet && options.Length is not null ? $"Open, or create with {Length} bytes and mode {Mode}, and map it"
            : "Map";
        string errorTarget = ParameterSetName switch { AnonymousSet => "anonymous memory", NameSet => Name, _ => path };
        UnixFileMode mode = MemoryMapping.DefaultSharedMemoryMode;
        if (!TryCall(() => { MemoryMapping.CheckOptions(options); mode = ParameterSetName == NameSet ? ParseMode(Mode) : mode; }, errorTarget)
            || !ShouldProcess(target, action))
        {
            return;
        }
        MemoryMapping? mapping = ParameterSetName switch
        {
            AnonymousSet => TryGet(() => MemoryMapping.MapAnonymous(options), errorTarget),
            NameSet => TryGet(() => MemoryMapping.MapSharedMemory(Name, options, mode), errorTarget),
            _ => TryGet(() => MemoryMapping.MapFile(path, options), errorTarget),
        };
        if (mapping is not null)
        {
            WriteObject(mapping);
        }
    }

    /// <summary>'0600', '600' or 600 (octal, as chmod takes it), or UnixFileMode names such as 'UserRead, UserWrite'.</summary>
    private static UnixFileMode ParseMode(string mode)
    {
        string digits = mode.Trim();
        if (digits.Length is > 0 and <= 4 && digits.All(digit => digit is >= '0' and <= '7'))
        {
            return (UnixFileMode)Convert.ToInt32(digits, 8);
        }
        // Enum.TryParse takes any number too: "999" would become a mix of flags named back to the user.
        return !digits.All(char.IsAsciiDigit) && Enum.TryParse(digits, ignoreCase: true, out UnixFileMode named)
            ? named
            : throw new ArgumentException($"Mode '{mode}' is not a permission mode: give octal digits as chmod takes them, such as '0600' (owner only) or '0660' (owner and group).", nameof(mode));
    }
}
