using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace MemMap.Commands;

/// <summary>Completes -Encoding with the names <see cref="EncodingTransformationAttribute"/> knows.</summary>
public sealed class EncodingCompleter : IArgumentCompleter
{
    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        EncodingTransformationAttribute.Names
            .Where(name => name.StartsWith(wordToComplete ?? "", StringComparison.OrdinalIgnoreCase))
            .Select(name => new CompletionResult(name));
}
