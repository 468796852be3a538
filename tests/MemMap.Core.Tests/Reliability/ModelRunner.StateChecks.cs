using MemMap.Tests.Helpers;

namespace MemMap.Tests.Reliability;

// What each step must leave, read back from the real file, the mappings, the registry and
// /proc/self/maps, so that a step the model agrees with still fails when the kernel disagrees.
public sealed partial class ModelRunner
{
    /// <summary>
    /// Independent of the model: a write MemMap accepted through a file mapping must end inside the
    /// file as it is now (its real size, not the model's), else its bytes past the end are lost.
    /// </summary>
    private static string? AcceptedPastTheEnd(ModelOp op, ModelMapping? m, string path)
    {
        (long start, long count) = op.Kind switch
        {
            ModelOpKind.Write => (op.Offset, op.Data.Length),
            ModelOpKind.Fill => (op.Offset, op.Count ?? 0),
            ModelOpKind.WriteValues => (op.Offset, (long)op.Values.Length * MappingModel.SizeOf(op.ValueType)),
            ModelOpKind.AddValue or ModelOpKind.CompareExchange => (op.Offset, MappingModel.SizeOf(op.ValueType)),
            ModelOpKind.Copy => (op.DestinationOffset, op.Count ?? 0),
            _ => (0L, 0L),
        };
        long size = m is { IsFile: true } ? new FileInfo(path).Length : long.MaxValue;
        if (count > 0 && m!.FileOffset + start + count > size)
        {
            return $"{op}\n  a write accepted past the current end of the file ({size} bytes): its bytes past the end are lost";
        }
        return null;
    }

    /// <summary>The state every step must leave: file bytes, each mapping's shape, the registry; with <paramref name="deep"/> also /proc/self/maps.</summary>
    private static string? CheckState(MappingModel model, string path, bool deep)
    {
        if (File.Exists(path))
        {
            byte[] onDisk = File.ReadAllBytes(path);
            if (!onDisk.AsSpan().SequenceEqual(model.File))
            {
                int first = onDisk.AsSpan().CommonPrefixLength(model.File);
                return $"the file differs from the model: {onDisk.Length} bytes, model {model.File.Length}; first difference at {first}";
            }
        }
        foreach ((ModelMapping? m, int slot) in model.Slots.Select((m, slot) => (m, slot)))
        {
            if (m is null) continue;
            MemoryMapping real = m.Real;
            if (real.IsOpen == m.Closed)
            {
                return $"m{slot}: IsOpen is {real.IsOpen}, the model says {!m.Closed}";
            }
            if ((MappingRegistry.Find(real.Id) == real) != real.IsOpen)
            {
                return $"m{slot}: the registry {(real.IsOpen ? "lost" : "still holds")} mapping {real.Id}";
            }
            if (m.Closed) continue;
            string shape = $"Length {real.Length}, MappedLength {real.MappedLength}, pages {Describe(PagesOf(real))}";
            string modelShape = $"Length {m.Length}, MappedLength {(long)m.Pages.Count * Page}, pages {Describe(m.Pages.Select(p => p.Mapped ? p.Protection.ToString() : "hole"))}";
            if (shape != modelShape)
            {
                return $"m{slot}: {shape}\n  the model says {modelShape}";
            }
            if (deep && KernelPermissions(real) is var kernel && kernel != Describe(m.Pages.Select(p => p.Mapped ? Letters(p.Protection) : "hole")))
            {
                return $"m{slot}: /proc/self/maps shows pages {kernel}, the model {Describe(m.Pages.Select(p => p.Mapped ? Letters(p.Protection) : "hole"))}";
            }
        }
        return null;
    }

    private static IEnumerable<string> PagesOf(MemoryMapping real)
    {
        var states = new string[real.MappedLength / Page];
        foreach (ProtectionRegion region in real.ProtectionRegions)
        {
            for (long at = region.Offset; at < region.Offset + region.Length; at += Page) states[at / Page] = region.Protection.ToString();
        }
        foreach (ByteRange hole in real.UnmappedRanges)
        {
            for (long at = hole.Offset; at < hole.End; at += Page) states[at / Page] = states[at / Page] is null ? "hole" : "hole+mapped?";
        }
        return states.Select(state => state ?? "missing");
    }

    /// <summary>The rwx letters /proc/self/maps shows for each mapped page ("hole" where the model has one: the runtime may map its own memory there).</summary>
    private static string KernelPermissions(MemoryMapping real)
    {
        IReadOnlyList<ProcessMemoryRegion> regions = MapsFile.RegionsOf(real);
        var holes = real.UnmappedRanges;
        var pages = new List<string>();
        for (long at = 0; at < real.MappedLength; at += Page)
        {
            if (holes.Any(hole => hole.Offset <= at && at < hole.End))
            {
                pages.Add("hole");
                continue;
            }
            ulong address = (ulong)real.Address + (ulong)at;
            ProcessMemoryRegion? region = regions.FirstOrDefault(r => r.Start <= address && address < r.End);
            pages.Add(region?.Permissions[..3] ?? "absent");
        }
        return Describe(pages);
    }

    private static string Letters(MemoryProtection protection) =>
        $"{(protection.HasFlag(MemoryProtection.Read) ? 'r' : '-')}{(protection.HasFlag(MemoryProtection.Write) ? 'w' : '-')}{(protection.HasFlag(MemoryProtection.Execute) ? 'x' : '-')}";

    /// <summary>Runs of equal states: "ReadWrite×3, hole×1".</summary>
    private static string Describe(IEnumerable<string> pages)
    {
        var runs = new List<(string State, int Count)>();
        foreach (string page in pages)
        {
            if (runs.Count > 0 && runs[^1].State == page) runs[^1] = (page, runs[^1].Count + 1);
            else runs.Add((page, 1));
        }
        return string.Join(", ", runs.Select(run => $"{run.State}×{run.Count}"));
    }
}
