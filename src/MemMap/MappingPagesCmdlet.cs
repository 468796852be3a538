using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>
/// The base of the cmdlets that act on a mapping's pages in place (Lock-MemoryMapping,
/// Unlock-MemoryMapping): -Mapping, a range (-Offset, -Count) widened to whole pages, -PassThru.
/// </summary>
public abstract class MappingPagesCmdlet : MemMapCmdlet
{
    #region Parameters

    /// <summary>The mapping, from the pipeline or by position.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(MappingCompleter))]
    public MemoryMapping Mapping { get; set; } = null!;

    /// <summary>Start of the range; any offset, widened to its page.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long Offset { get; set; }

    /// <summary>Bytes in the range, widened to whole pages; by default to the end of the mapping.</summary>
    [Parameter]
    [Alias("Length")]
    [ValidateRange(1, long.MaxValue)]
    public long Count { get; set; }

    /// <summary>Pass the mapping on down the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    #endregion

    /// <summary>Asks ShouldProcess for <paramref name="action"/> (given the pages it names), runs <paramref name="coreCall"/> with the range, and passes the mapping on.</summary>
    protected void ProcessPages(Func<string, string> action, Action<long, long?> coreCall)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(coreCall);
        long? count = BoundOrNull(nameof(Count), Count);
        if (TryCall(() => Mapping.PagesOf(Offset, count), Mapping)
            && ShouldProcess(Describe(Mapping), action(DescribePages(Mapping, Offset, count)))
            && TryCall(() => coreCall(Offset, count), Mapping)
            && PassThru)
        {
            WriteObject(Mapping);
        }
    }
}
