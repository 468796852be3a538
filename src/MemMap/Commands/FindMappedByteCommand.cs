using System.Diagnostics;
using System.Management.Automation;
using System.Text;

namespace MemMap.Commands;

/// <summary>Find-MappedByte: the offsets where bytes or text occur in a mapping, ascending (or the last one with -Last).</summary>
[Cmdlet(VerbsCommon.Find, "MappedByte", DefaultParameterSetName = BytesSet)]
[OutputType(typeof(long))]
public sealed class FindMappedByteCommand : MemMapCmdlet, IProgress<long>
{
    private const string BytesSet = "Bytes";
    private const string StringSet = "String";
    private static readonly TimeSpan ProgressDelay = TimeSpan.FromSeconds(1);
    private readonly Stopwatch watch = new();
    private long total;
    private int shownPercent;

    #region Parameters

    /// <summary>The mapping to search.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(MappingCompleter))]
    public MemoryMapping Mapping { get; set; } = null!;

    /// <summary>The bytes to find.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = BytesSet)]
    [BytesTransformation]
    public byte[] Value { get; set; } = [];

    /// <summary>Text to find, encoded with -Encoding (no byte-order mark).</summary>
    [Parameter(Mandatory = true, ParameterSetName = StringSet)]
    public string String { get; set; } = "";

    /// <summary>The text encoding for -String: utf8 (default), ascii, unicode, utf32, latin1, bigendianunicode, or any .NET encoding name or code page.</summary>
    [Parameter(ParameterSetName = StringSet)]
    [EncodingTransformation]
    [ArgumentCompleter(typeof(EncodingCompleter))]
    public Encoding Encoding { get; set; } = EncodingTransformationAttribute.DefaultEncoding;

    /// <summary>Where the searched range starts, from the start of the mapping.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long Offset { get; set; }

    /// <summary>How many bytes the searched range holds; by default up to the mapping's Length.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long Count { get; set; }

    /// <summary>Stop after this many matches.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int First { get; set; }

    /// <summary>Search backwards and output only the last (highest) match.</summary>
    [Parameter]
    public SwitchParameter Last { get; set; }

    #endregion

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (Last && MyInvocation.BoundParameters.ContainsKey(nameof(First)))
        {
            ThrowTerminatingError(MappingErrors.Create("-First and -Last cannot be used together: -Last outputs only the last match.", "FirstWithLast", ErrorCategory.InvalidArgument, null));
        }
        byte[]? needle = ParameterSetName == StringSet ? TryGet(() => TextBytes.Encode(Encoding, String, null, "nothing was searched"), String) : Value;
        if (needle is null)
        {
            return; // text the encoding cannot represent: already an error
        }
        long? count = BoundOrNull(nameof(Count), Count);
        total = count ?? Math.Max(0, Mapping.Length - Offset);
        watch.Restart();
        shownPercent = -1;
        TryCall(() =>
        {
            if (Last)
            {
                if (Mapping.FindLast(needle, Offset, count, this) is long at)
                {
                    WriteObject(at);
                }
                return;
            }
            int found = 0;
            foreach (long at in Mapping.Find(needle, Offset, count, this))
            {
                WriteObject(at);
                if (++found == First)
                {
                    break;
                }
            }
        }, Mapping);
        if (watch.Elapsed >= ProgressDelay)
        {
            WriteProgress(new ProgressRecord(0, Activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }

    private string Activity => $"Searching mapping {Mapping.Id} ({Mapping.Path ?? Mapping.Kind.ToString()})";

    /// <summary>Called by the core on this thread after each block: shows progress once the search has run for a second.</summary>
    void IProgress<long>.Report(long value)
    {
        if (watch.Elapsed >= ProgressDelay && total > 0)
        {
            int percent = (int)Math.Clamp(value * 100 / total, 0, 100);
            if (percent == shownPercent)
            {
                return;
            }
            shownPercent = percent;
            WriteProgress(new ProgressRecord(0, Activity, $"{value >> 20} of {total >> 20} MiB searched") { PercentComplete = percent });
        }
    }
}
