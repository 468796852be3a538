using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>
/// The base of MemMap's cmdlets: runs one core call and turns a MemMap error into one
/// non-terminating <see cref="ErrorRecord"/>, so the rest of the pipeline goes on.
/// </summary>
public abstract class MemMapCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource stopping = new();

    /// <summary>
    /// Cancelled by Ctrl+C (<see cref="StopProcessing"/>): every core call that can wait (page-in,
    /// locking, search, loading a file) takes it and stops within a fraction of a second.
    /// </summary>
    protected CancellationToken StopToken => stopping.Token;

    /// <inheritdoc/>
    protected override void StopProcessing() => stopping.Cancel();

    /// <summary>PowerShell disposes a cmdlet when its pipeline ends.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the stop token's source.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            stopping.Dispose();
        }
    }

    /// <summary>Runs <paramref name="coreCall"/>; on a MemMap or argument error writes it against <paramref name="target"/> and returns false.</summary>
    protected bool TryCall(Action coreCall, object? target)
    {
        ArgumentNullException.ThrowIfNull(coreCall);
        try
        {
            coreCall();
            return true;
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException(); // Ctrl+C: the pipeline ends, as PowerShell's own cmdlets end it
        }
        catch (Exception error) when (error is MemoryMappingException or ArgumentException)
        {
            WriteError(MappingErrors.ToErrorRecord(error, target));
            return false;
        }
    }

    /// <summary>Runs <paramref name="coreCall"/> and returns its result, or null after writing its error.</summary>
    protected T? TryGet<T>(Func<T> coreCall, object? target) where T : class
    {
        ArgumentNullException.ThrowIfNull(coreCall);
        T? result = null;
        TryCall(() => result = coreCall(), target);
        return result;
    }

    /// <summary>The value of an optional parameter when the user gave it, else null (its default means "not given": to the end, the whole file, …).</summary>
    protected T? BoundOrNull<T>(string parameterName, T value) where T : struct =>
        MyInvocation.BoundParameters.ContainsKey(parameterName) ? value : null;

    /// <summary>Whether -Verbose (or $VerbosePreference) asks for verbose output: work done only for it is skipped otherwise.</summary>
    protected bool VerboseWanted => MyInvocation.BoundParameters.TryGetValue("Verbose", out object? verbose)
        ? ((SwitchParameter)verbose).IsPresent
        : GetVariableValue("VerbosePreference") is ActionPreference preference && preference != ActionPreference.SilentlyContinue && preference != ActionPreference.Ignore;

    /// <summary>Writes what was done to the verbose stream (the message made only when it is wanted); true, to chain after a core call.</summary>
    protected bool Told(Func<string> message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (VerboseWanted)
        {
            WriteVerbose(message());
        }
        return true;
    }

    /// <summary>How a mapping is named in confirmation prompts and -WhatIf lines.</summary>
    protected static string Describe(MemoryMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        return $"mapping {mapping.Id} ({mapping.Path ?? mapping.Kind.ToString()}, {mapping.Length} bytes at 0x{mapping.Address:x})";
    }

    /// <summary>How a page range is named in prompts: the whole pages a page-wide call acts on.</summary>
    protected static string DescribePages(MemoryMapping mapping, long offset, long? count)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        try
        {
            ByteRange pages = mapping.PagesOf(offset, count);
            long pageCount = pages.Length / mapping.PageSize;
            return $"the {pageCount} {(pageCount == 1 ? "page" : "pages")} at offsets {pages.Offset} to {pages.End - 1}";
        }
        catch (Exception error) when (error is ArgumentException or MemoryMappingException)
        {
            return $"the pages from offset {offset}"; // the core call reports the bad range or the removed mapping
        }
    }
}
