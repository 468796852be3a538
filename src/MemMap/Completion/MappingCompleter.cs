using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace MemMap.Commands;

/// <summary>
/// Completes -Mapping with the live mappings. A completion is text, not an object, so it completes to
/// the expression that gets the mapping, (Get-MemoryMapping -Id 3), listed by id and file or kind;
/// the word typed so far matches the id or any part of the path.
/// </summary>
public sealed class MappingCompleter : IArgumentCompleter
{
    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string word = (wordToComplete ?? "").Trim('(', ')', '\'', '"');
        return MappingRegistry.Live
            .Where(mapping => mapping.Id.ToString(CultureInfo.InvariantCulture).StartsWith(word, StringComparison.Ordinal)
                || (mapping.Path?.Contains(word, StringComparison.Ordinal) ?? false))
            .Select(mapping => new CompletionResult(
                $"(Get-MemoryMapping -Id {mapping.Id})",
                $"{mapping.Id}: {mapping.Path ?? mapping.Kind.ToString()}",
                CompletionResultType.ParameterValue,
                mapping.ToString()));
    }
}
