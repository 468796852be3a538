using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace MemMap.Commands;

/// <summary>Completes -Path and -LiteralPath of Get-/Remove-MemoryMapping with the files that live mappings map.</summary>
public sealed class MappedPathCompleter : IArgumentCompleter
{
    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string word = (wordToComplete ?? "").Trim('\'', '"');
        return MappingRegistry.Live
            .Where(mapping => mapping.Path is not null)
            .GroupBy(mapping => mapping.Path!)
            .Where(paths => paths.Key.Contains(word, StringComparison.Ordinal))
            .Select(paths => new CompletionResult(
                paths.Key.Contains(' ', StringComparison.Ordinal) || paths.Key.Contains('\'', StringComparison.Ordinal) ? $"'{paths.Key.Replace("'", "''", StringComparison.Ordinal)}'" : paths.Key,
                paths.Key,
                CompletionResultType.ParameterValue,
                $"mapped by {string.Join(", ", paths.Select(mapping => mapping.Id))}"));
    }
}
