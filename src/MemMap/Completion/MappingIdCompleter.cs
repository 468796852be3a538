using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace MemMap.Commands;

/// <summary>
/// Completes -Id with the ids of the live mappings, showing each one's file or kind; after
/// "-Id 1," it offers only the ids not given yet.
/// </summary>
public sealed class MappingIdCompleter : IArgumentCompleter
{
    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        HashSet<int> given = GivenIds(commandAst, parameterName);
        return MappingRegistry.Live
            .Where(mapping => !given.Contains(mapping.Id))
            .Select(mapping => (Mapping: mapping, Text: mapping.Id.ToString(CultureInfo.InvariantCulture)))
            .Where(entry => entry.Text.StartsWith(wordToComplete ?? "", StringComparison.Ordinal))
            .Select(entry => new CompletionResult(entry.Text, entry.Text, CompletionResultType.ParameterValue, entry.Mapping.ToString()));
    }

    /// <summary>The whole numbers already typed after -<paramref name="parameterName"/> (1,2, in "-Id 1,2,").</summary>
    private static HashSet<int> GivenIds(CommandAst? command, string parameterName)
    {
        var given = new HashSet<int>();
        if (command is null)
        {
            return given;
        }
        var elements = command.CommandElements;
        for (int i = 0; i < elements.Count; i++)
        {
            if (elements[i] is CommandParameterAst parameter && parameter.ParameterName.Equals(parameterName, StringComparison.OrdinalIgnoreCase))
            {
                Ast? argument = parameter.Argument ?? (i + 1 < elements.Count ? elements[i + 1] : null);
                foreach (Ast number in argument?.FindAll(ast => ast is ConstantExpressionAst, searchNestedScriptBlocks: false) ?? [])
                {
                    if (((ConstantExpressionAst)number).Value is int id)
                    {
                        given.Add(id);
                    }
                }
            }
        }
        return given;
    }
}
