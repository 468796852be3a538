using System.Diagnostics;
using MemMap.Tests.Helpers;

namespace MemMap.Tests.Reliability;

/// <summary>
/// Runs a sequence of <see cref="ModelOp"/>s against real <see cref="MemoryMapping"/>s of a real
/// file and against <see cref="MappingModel"/>, step by step: each step's outcome must be the
/// model's, and after each step the file (read back through a FileStream), every mapping's Length,
/// pages, protection, holes, IsOpen and registry entry must be the model's.
/// </summary>
public sealed partial class ModelRunner(string folder)
{
    private static readonly int Page = MappingModel.Page;

    /// <summary>Steps run, skipped (not modellable), and by kind, across every run of this runner.</summary>
    public long Steps { get; private set; }
    public long Skipped { get; private set; }
    public long Truncations { get; private set; }
    public long Refusals { get; private set; }

    /// <summary>Accesses refused because they reached the file's current end (BeyondEndOfFile).</summary>
    public long PastTheEnd { get; private set; }
    public Dictionary<MappingKind, int> Created { get; } = [];

    /// <summary>Steps run by operation ("Resize" splits into "Grow" and "Shrink") and outcome: ok, or refused with a typed error.</summary>
    public Dictionary<(string Operation, bool Ok), int> Outcomes { get; } = [];

    /// <summary>Runs <paramref name="ops"/>; returns null when every step matched, else the failing step's index and what differed.</summary>
    public (int Step, string Why)? Run(IReadOnlyList<ModelOp> ops, Action<ModelOp, MappingModel>? beforeStep = null)
    {
        // A shared-memory object is a file in /dev/shm (tmpfs): the model treats it as the file.
        string name = "memmap-model-" + Guid.NewGuid().ToString("N");
        string path = ops.Count > 0 && ops[0].Flag ? "/dev/shm/" + name : Path.Combine(folder, name);
        var model = new MappingModel();
        int step = 0;
        try
        {
            for (; step < ops.Count; step++)
            {
                beforeStep?.Invoke(ops[step], model);
                string? why = RunStep(ops[step], model, path);
                if (why is null)
                {
                    why = CheckState(model, path, deep: ops[step].Kind == ModelOpKind.ReadAll || step == ops.Count - 1);
                }
                if (why is not null)
                {
                    return (step, why);
                }
            }
            return null;
        }
        catch (Exception error)
        {
            return (step, $"{ops[step]}\n  the runner failed: {error}");
        }
        finally
        {
            foreach (ModelMapping? m in model.Slots)
            {
                m?.Real.Dispose();
            }
            File.Delete(path);
        }
    }

    private string? RunStep(ModelOp op, MappingModel model, string path)
    {
        ModelMapping? m = op.Slot < model.Slots.Length ? model.Slots[op.Slot] : null;
        bool needsMapping = op.Kind is not (ModelOpKind.InitFile or ModelOpKind.MapFile or ModelOpKind.MapAnonymous or ModelOpKind.Truncate);
        if (needsMapping && m is null)
        {
            Skipped++;
            return null;
        }
        if (m is not null && op.Kind is ModelOpKind.Advise or ModelOpKind.Lock && model.PageCallIsUnmodelable(m, op))
        {
            Skipped++;
            return null;
        }
        Steps++;
        Outcome expected, actual;
        string operation = op.Kind.ToString();
        switch (op.Kind)
        {
            case ModelOpKind.InitFile:
                File.WriteAllBytes(path, op.Data);
                model.InitFile(op.Data, op.Flag);
                return null;
            case ModelOpKind.MapFile:
            case ModelOpKind.MapAnonymous:
                if (m is not null)
                {
                    m.Real.Dispose(); // replaying a shortened sequence: the slot is reused
                    model.Slots[op.Slot] = null;
                }
                var options = new MappingOptions { Offset = op.Offset, Length = op.Length, Protection = op.Protection, Private = op.Private, Create = op.Create };
                MemoryMapping? made = null;
                actual = Try(() => made = op.Kind == ModelOpKind.MapAnonymous ? MemoryMapping.MapAnonymous(options)
                    : model.UsesMapSharedMemory(op) ? MemoryMapping.MapSharedMemory("/" + Path.GetFileName(path), options)
                    : MemoryMapping.MapFile(path, options));
                ModelMapping? created;
                expected = op.Kind == ModelOpKind.MapFile
                    ? model.MapFile(op, () => made!, out created)
                    : MappingModel.MapAnonymous(op, () => made!, out created);
                if (created is null)
                {
                    made?.Dispose();
                }
                else if (made is null)
                {
                    return Differ(op, expected, actual);
                }
                model.Slots[op.Slot] = created;
                if (made is not null)
                {
                    Created[made.Kind] = Created.GetValueOrDefault(made.Kind) + 1;
                }
                break;
            case ModelOpKind.Read:
                actual = Try(() => Outcome.Bytes(m!.Real.Read(op.Offset, (int)op.Count!.Value)));
                expected = model.Read(m!, op.Offset, op.Count!.Value);
                break;
            case ModelOpKind.Write:
                actual = Try(() => m!.Real.Write(op.Offset, op.Data));
                expected = model.Write(m!, op.Offset, op.Data);
                break;
            case ModelOpKind.Fill:
                actual = Try(() => m!.Real.Fill(op.Offset, op.Count!.Value, op.Value));
                expected = model.Fill(m!, op.Offset, op.Count!.Value, op.Value);
                break;
            case ModelOpKind.Copy:
                actual = Try(() => m!.Real.CopyTo(op.Offset, op.Count!.Value, m.Real, op.DestinationOffset));
                expected = model.Copy(m!, op.Offset, op.Count!.Value, op.DestinationOffset);
                break;
            case ModelOpKind.StreamRead:
                actual = Try(() =>
                {
                    using Stream stream = m!.Real.AsStream(op.Offset, op.Count!.Value);
                    byte[] bytes = new byte[op.Count!.Value];
                    try
                    {
                        stream.ReadExactly(bytes);
                    }
                    catch (IOException error) when (error.InnerException is MemoryMappingException inner)
                    {
                        return Outcome.Of(inner); // the stream's IOException holds MemMap's error
                    }
                    return Outcome.Bytes(bytes);
                });
                expected = model.Read(m!, op.Offset, op.Count!.Value);
                break;
            case ModelOpKind.ReadValues:
                actual = Try(() => Outcome.Values(ReadValues(m!.Real, op)));
                expected = model.ReadValues(m!, op);
                break;
            case ModelOpKind.WriteValues:
                actual = Try(() => WriteValues(m!.Real, op));
                expected = model.WriteValues(m!, op);
                break;
            case ModelOpKind.AddValue or ModelOpKind.CompareExchange:
                actual = Try(() => Outcome.Values([Atomic(m!.Real, op)]));
                expected = model.Atomic(m!, op);
                break;
            case ModelOpKind.Find:
                actual = Try(() => Outcome.Values(m!.Real.Find(op.Data, op.Offset, op.Count).ToList()));
                expected = model.Find(m!, op, last: false);
                break;
            case ModelOpKind.FindLast:
                actual = Try(() => Outcome.Values(m!.Real.FindLast(op.Data, op.Offset, op.Count) is long at ? [at] : []));
                expected = model.Find(m!, op, last: true);
                break;
            case ModelOpKind.Protect:
                actual = Try(() => m!.Real.Protect(op.Protection, op.Offset, op.Count));
                expected = MappingModel.Protect(m!, op);
                break;
            case ModelOpKind.Sync:
                actual = Try(() => m!.Real.Sync(op.Offset, op.Count, op.Flag ? SyncMode.Asynchronous : SyncMode.Synchronous, op.Flag2));
                expected = model.Sync(m!, op);
                break;
            case ModelOpKind.Resize:
                operation = MappingModel.RoundUp(op.Offset) / Page > m!.Pages.Count ? "Grow" : "Shrink";
                actual = Try(() => m!.Real.Resize(op.Offset, allowMove: op.Flag, extendFile: op.Flag2));
                expected = model.Resize(m!, op, actual);
                break;
            case ModelOpKind.Unmap:
                actual = Try(() => Outcome.Ok(m!.Real.Unmap(op.Offset, op.Count).ToString()));
                expected = MappingModel.Unmap(m!, op);
                break;
            case ModelOpKind.Dispose:
                m!.Real.Dispose();
                m.Closed = true;
                return null;
            case ModelOpKind.Truncate:
                Truncations++;
                (int exit, string output) = ChildProcess.Run("truncate", "-s", op.Offset.ToString(), path);
                if (exit != 0)
                {
                    return $"{op}: truncate failed: {output}";
                }
                model.Truncate(op.Offset);
                return null;
            case ModelOpKind.Advise:
                actual = Try(() => m!.Real.Advise((MappingAdvice)op.Value, op.Offset, op.Count));
                expected = MappingModel.Advise(m!, op);
                break;
            case ModelOpKind.Lock:
                actual = Try(() =>
                {
                    if (op.Flag2) m!.Real.Unlock(op.Offset, op.Count);
                    else m!.Real.Lock(op.Offset, op.Count, onFault: op.Flag);
                });
                expected = MappingModel.Lock(m!, op);
                break;
            case ModelOpKind.Residency:
                actual = Try(() => m!.Real.Residency() is var r && r.ResidentPages <= m.Pages.Count(p => p.Mapped)
                    ? Outcome.Ok($"{r.Pages} pages, {r.Length} bytes, at most {m.Pages.Count(p => p.Mapped)} resident")
                    : Outcome.Ok($"{r.ResidentPages} resident of {r.Pages}: more than are mapped"));
                expected = MappingModel.Residency(m!);
                break;
            case ModelOpKind.ReadAll:
                var pages = new List<string>();
                var wanted = new List<string>();
                for (long at = 0; at < m!.Length; at += Page)
                {
                    int count = (int)Math.Min(Page, m.Length - at);
                    pages.Add(Try(() => Outcome.Bytes(m.Real.Read(at, count))).Text);
                    wanted.Add(model.Read(m, at, count).Text);
                }
                actual = new Outcome(string.Join("\n    ", pages));
                expected = new Outcome(string.Join("\n    ", wanted));
                break;
            default:
                throw new UnreachableException(op.Kind.ToString());
        }
        bool ok = actual.Text.StartsWith("ok", StringComparison.Ordinal) || actual.Text.StartsWith("bytes", StringComparison.Ordinal) || actual.Text.StartsWith("values", StringComparison.Ordinal);
        Refusals += ok ? 0 : 1;
        Outcomes[(operation, ok)] = Outcomes.GetValueOrDefault((operation, ok)) + 1;
        if (!ok)
        {
            PastTheEnd += actual.Text.Contains(nameof(MappingAccessFault.BeyondEndOfFile), StringComparison.Ordinal) ? 1 : 0;
        }
        else if (AcceptedPastTheEnd(op, m, path) is { } lost)
        {
            return lost;
        }
        return expected.Text == actual.Text ? null : Differ(op, expected, actual);
    }

    private static string Differ(ModelOp op, Outcome expected, Outcome actual) =>
        $"{op}\n  expected (model): {expected}\n  actual (MemMap):  {actual}";

    private static Outcome Try(Action action) => Try(() => { action(); return Outcome.Ok(); });

    private static Outcome Try(Func<Outcome> action)
    {
        try
        {
            return action();
        }
        catch (Exception error)
        {
            return Outcome.Of(error);
        }
    }

    private static Outcome Try(Func<MemoryMapping> create) => Try(() => { create(); return Outcome.Ok(); });
}
