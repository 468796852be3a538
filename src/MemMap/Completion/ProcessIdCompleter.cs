using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace MemMap.Commands;

/// <summary>
/// Completes Get-ProcessMemoryMap -Id with the running processes: their ids, listed with their
/// names; what is typed matches the start of an id or of a name ("-Id pws" offers pwsh's ids).
/// </summary>
public sealed class ProcessIdCompleter : IArgumentCompleter
{
    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string typed = (wordToComplete ?? "").Trim('\'', '"');
        var results = new List<CompletionResult>();
        foreach (Process process in Process.GetProcesses().OrderBy(process => process.Id))
        {
            using (process)
            {
                string id = process.Id.ToString(CultureInfo.InvariantCulture);
                string name;
                try
                {
                    name = process.ProcessName;
                }
                catch (InvalidOperationException)
                {
                    continue; // it exited meanwhile
                }
                if (id.StartsWith(typed, StringComparison.Ordinal) || name.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
                {
                    results.Add(new CompletionResult(id, $"{id} {name}", CompletionResultType.ParameterValue, $"{name} (process {id})"));
                }
            }
        }
        return results;
    }
}
