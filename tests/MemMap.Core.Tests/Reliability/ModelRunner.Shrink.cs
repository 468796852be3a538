using System.Diagnostics;

namespace MemMap.Tests.Reliability;

// Shrinking a failing sequence to the steps that make it fail, so the report is short enough to read.
public sealed partial class ModelRunner
{
    /// <summary>
    /// The shortest failing sequence found: the prefix up to the failing step, then every step that
    /// can be left out while the sequence still fails (one at a time, until none can or time is up).
    /// </summary>
    public (List<ModelOp> Ops, string Why) Shrink(IReadOnlyList<ModelOp> ops, int failedStep, string why, TimeSpan budget)
    {
        var clock = Stopwatch.StartNew();
        var current = ops.Take(failedStep + 1).ToList();
        if (Run(current) is { } prefix)
        {
            why = prefix.Why;
        }
        else
        {
            return (current, why + "\n  (the failing prefix did not fail again when re-run: a race or state outside the model)");
        }
        bool removed = true;
        while (removed && clock.Elapsed < budget)
        {
            removed = false;
            for (int i = current.Count - 2; i >= 1 && clock.Elapsed < budget; i--)
            {
                var candidate = current.Where((_, index) => index != i).ToList();
                if (Run(candidate) is { } failure && failure.Step == candidate.Count - 1)
                {
                    current = candidate;
                    why = failure.Why;
                    removed = true;
                }
            }
        }
        return (current, why);
    }
}
