using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace MemMap.Commands;

/// <summary>Use-MappingLock: runs a script block while holding a byte-range lock (fcntl F_OFD_SETLK) on a range of a mapping, and releases it however the block ends.</summary>
[Cmdlet(VerbsOther.Use, "MappingLock")]
[OutputType(typeof(object))]
public sealed class UseMappingLockCommand : MemMapCmdlet
{

    #region Parameters

    /// <summary>The mapping whose range to lock.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(MappingCompleter))]
    public MemoryMapping Mapping { get; set; } = null!;

    /// <summary>What to run while holding the lock; its output is the cmdlet's output.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    public ScriptBlock ScriptBlock { get; set; } = null!;

    /// <summary>The first byte of the range, from the start of the mapping; 0 by default.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long Offset { get; set; }

    /// <summary>How many bytes to lock; by default to the end of the mapping.</summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long Count { get; set; }

    /// <summary>Take a shared (read) lock, which other shared locks share; by default the lock is exclusive.</summary>
    [Parameter]
    public SwitchParameter Shared { get; set; }

    /// <summary>The longest to wait for another holder, in seconds (fractions allowed); then a Lock.Timeout error and the block does not run. By default waits until Ctrl+C.</summary>
    [Parameter]
    [ValidateRange(0, 2147483.0)]
    public double Timeout { get; set; }

    #endregion

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        TimeSpan? timeout = BoundOrNull(nameof(Timeout), Timeout) is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
        object owner = Runspace.DefaultRunspace ?? (object)this; // one runspace runs one pipeline at a time: its locks must not overlap
        MappingRangeLock? held = TryGet(() => Mapping.LockRange(Offset, BoundOrNull(nameof(Count), Count), Shared, timeout, owner, StopToken), Mapping);
        if (held is null)
        {
            return;
        }
        using (held)
        {
            // Dot-sourced, as ForEach-Object runs its block (the caller's variables are the block's);
            // its output and errors stream to this cmdlet's own as they come.
            InvokeCommand.InvokeScript(". $args[0]", false, PipelineResultTypes.Output, null, ScriptBlock);
        }
    }
}
