using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace MemMap.Commands;

/// <summary>Completes -Id with the ids of the live mappings, showing each one's file or kind.</summary>
public sealed class MappingIdCompleter : IArgumentCompleter
{
    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        MappingRegistry.Live
            .Select(mapping => (Mapping: mapping, Text: mapping.Id.ToString(CultureInfo.InvariantCulture)))
            .Where(entry => entry.Text.StartsWith(wordToComplete ?? "", StringComparison.Ordinal))
            .Select(entry => new CompletionResult(entry.Text, entry.Text, CompletionResultType.ParameterValue, entry.Mapping.ToString()));
}
