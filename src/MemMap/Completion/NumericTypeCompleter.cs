using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace MemMap.Commands;

/// <summary>Completes -Type with the ten numeric type names (Byte, Int32, Double, …).</summary>
public sealed class NumericTypeCompleter : IArgumentCompleter
{
    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        NumericValueTypes.All
            .Where(type => type.Name.StartsWith(wordToComplete ?? "", StringComparison.OrdinalIgnoreCase))
            .Select(type => new CompletionResult(type.Name, type.Name, CompletionResultType.ParameterValue, $"{type.FullName}, {NumericValueTypes.SizeOf(type)} bytes"));
}
