using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace MemMap.Commands;

/// <summary>Completes Set-MappingAdvice -Advice: the madvise names for a mapping, the posix_fadvise names once -Path or -LiteralPath is given.</summary>
public sealed class AdviceCompleter : IArgumentCompleter
{
    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        ArgumentNullException.ThrowIfNull(fakeBoundParameters);
        bool forFiles = fakeBoundParameters.Contains("Path") || fakeBoundParameters.Contains("LiteralPath");
        IEnumerable<(string Name, string Tip)> names = forFiles
            ? Enum.GetValues<FileAdvice>().Select(advice => (advice.ToString(), $"posix_fadvise POSIX_FADV_{advice.ToString().ToUpperInvariant()}"))
            : Enum.GetValues<MappingAdvice>().Select(advice => (advice.ToString(), advice.KernelName() + (advice.IsDestructive() ? ": drops data" : "")));
        return names
            .Where(entry => entry.Name.StartsWith(wordToComplete ?? "", StringComparison.OrdinalIgnoreCase))
            .Select(entry => new CompletionResult(entry.Name, entry.Name, CompletionResultType.ParameterValue, entry.Tip));
    }
}
