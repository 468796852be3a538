using System.Management.Automation;

namespace MemMap.Commands;

/// <summary>Finds live mappings by the file they map, for -Path (wildcards) and -LiteralPath.</summary>
internal static class MappingLookup
{
    /// <summary>
    /// The live mappings of the files <paramref name="path"/> names, resolved against the current
    /// location; writes a MappingNotFound error when a literal path (or one without wildcards) matches none.
    /// </summary>
    internal static MemoryMapping[] ByPath(PSCmdlet cmdlet, string path, bool literal)
    {
        string full = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
        bool wildcard = !literal && WildcardPattern.ContainsWildcardCharacters(path);
        var pattern = new WildcardPattern(full, WildcardOptions.None);
        MemoryMapping[] found = [.. MappingRegistry.Live.Where(mapping => mapping.Path is not null
            && (wildcard ? pattern.IsMatch(mapping.Path) : mapping.Path == full))];
        if (found.Length == 0 && !wildcard)
        {
            cmdlet.WriteError(MappingErrors.Create($"No live mapping is of the file {full}. Get-MemoryMapping lists the live ones.", "MappingNotFound", ErrorCategory.ObjectNotFound, path));
        }
        return found;
    }
}
