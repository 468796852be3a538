using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>Get-ProcessMemoryMap: a process's mappings from /proc/PID/maps (and smaps), the pmap view as objects.</summary>
[Cmdlet(VerbsCommon.Get, "ProcessMemoryMap")]
[OutputType(typeof(ProcessMemoryRegion))]
public sealed class GetProcessMemoryMapCommand : MemMapCmdlet
{
    #region Parameters

    /// <summary>The processes whose mappings to list; this process by default. Binds the Id of Get-Process output.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("ProcessId", "PID")]
    [ValidateRange(1, int.MaxValue)]
    public int[]? Id { get; set; }

    /// <summary>Also read /proc/PID/smaps: resident, proportional, shared/private clean/dirty, swapped and locked bytes of each range.</summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    #endregion

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        foreach (int? id in Id?.Select(id => (int?)id) ?? [null])
        {
            IReadOnlyList<ProcessMemoryRegion>? regions = TryGet(() => ProcessMemoryMap.Read(id, Detailed), id ?? Environment.ProcessId);
            if (regions is not null)
            {
                foreach (ProcessMemoryRegion region in regions)
                {
                    Write(region);
                }
            }
        }
    }

    /// <summary>The type name that selects the view with the smaps columns, which are empty without -Detailed.</summary>
    private const string DetailedView = "MemMap.ProcessMemoryRegion#Detailed";

    private void Write(ProcessMemoryRegion region)
    {
        var output = PSObject.AsPSObject(region);
        if (Detailed)
        {
            output.TypeNames.Insert(0, DetailedView);
        }
        WriteObject(output);
    }
}
