using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>Sync-MemoryMapping: flushes changes to the file (msync).</summary>
[Cmdlet(VerbsData.Sync, "MemoryMapping")]
[OutputType(typeof(MemoryMapping))]
public sealed class SyncMemoryMappingCommand : MemMapCmdlet
{
    #region Parameters

    /// <summary>The mapping to flush.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(MappingCompleter))]
    public MemoryMapping Mapping { get; set; } = null!;

    /// <summary>Start of the range to flush; any offset, widened to its page.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long Offset { get; set; }

    /// <summary>Bytes to flush; by default to the end of the mapping.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long Count { get; set; }

    /// <summary>Schedule the write-back and return at once (MS_ASYNC) instead of waiting for it.</summary>
    [Parameter]
    public SwitchParameter Async { get; set; }

    /// <summary>Also invalidate other mappings of the file so they see its current contents (MS_INVALIDATE).</summary>
    [Parameter]
    public SwitchParameter Invalidate { get; set; }

    /// <summary>Pass the mapping on down the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    #endregion

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        long? count = BoundOrNull(nameof(Count), Count);
        SyncMode mode = Async ? SyncMode.Asynchronous : SyncMode.Synchronous;
        if (!TryCall(() => Mapping.Sync(Offset, count, mode, Invalidate, StopToken), Mapping))
        {
            return;
        }
        if (Mapping.NothingToSync is { } why)
        {
            WriteWarning(why); // msync succeeds for these and writes nothing: say so rather than seem to have saved data
        }
        else
        {
            Told(() => $"msync({(Async ? "MS_ASYNC" : "MS_SYNC")}{(Invalidate ? " | MS_INVALIDATE" : "")}) of {DescribePages(Mapping, Offset, count)} of {Describe(Mapping)}: {(Async ? "write-back scheduled" : "on the file")}.");
        }
        if (PassThru)
        {
            WriteObject(Mapping);
        }
    }
}
