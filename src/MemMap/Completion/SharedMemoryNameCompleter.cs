using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace MemMap.Commands;

/// <summary>Completes -Name with the POSIX shared-memory objects in /dev/shm.</summary>
public sealed class SharedMemoryNameCompleter : IArgumentCompleter
{
    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string typed = (wordToComplete ?? "").Trim('\'', '"').TrimStart('/');
        return !Directory.Exists("/dev/shm") ? [] : new DirectoryInfo("/dev/shm").EnumerateFiles()
            .Where(file => file.Name.StartsWith(typed, StringComparison.Ordinal))
            .OrderBy(file => file.Name, StringComparer.Ordinal)
            .Select(file => new CompletionResult("/" + file.Name, "/" + file.Name, CompletionResultType.ParameterValue, $"{file.Length} bytes, {file.UnixFileMode}"));
    }
}
