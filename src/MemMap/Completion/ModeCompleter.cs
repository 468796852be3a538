using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace MemMap.Commands;

/// <summary>Completes New-MemoryMapping -Mode with the permission modes a shared-memory object is usually given, in octal as chmod takes them.</summary>
public sealed class ModeCompleter : IArgumentCompleter
{
    private static readonly (string Mode, string Meaning)[] Modes =
    [
        ("0600", "read and write for the owner only (the default)"),
        ("0660", "read and write for the owner and the group"),
        ("0640", "read and write for the owner, read for the group"),
        ("0644", "read and write for the owner, read for everyone"),
        ("0666", "read and write for everyone"),
        ("0400", "read for the owner only"),
    ];

    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string typed = (wordToComplete ?? "").Trim('\'', '"');
        return Modes
            .Where(mode => mode.Mode.StartsWith(typed, StringComparison.Ordinal) || mode.Mode.TrimStart('0').StartsWith(typed, StringComparison.Ordinal))
            .Select(mode => new CompletionResult(mode.Mode, $"{mode.Mode} {mode.Meaning}", CompletionResultType.ParameterValue, mode.Meaning));
    }
}
