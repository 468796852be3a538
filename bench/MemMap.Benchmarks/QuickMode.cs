using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace MemMap.Benchmarks;

/// <summary>
/// The quick mode (--quick): every ratio of the performance issue in a few minutes, on the same
/// benchmark classes BenchmarkDotNet runs. Method: Stopwatch; one warm-up call of each side, then
/// rounds × calls timed calls, the baseline's calls and MemMap's interleaved round by round so that
/// load from other processes hits both alike; the ratio is MemMap's median time over the baseline's
/// median time (the best-of ratio beside it). A bar is a largest allowed time ratio.
/// </summary>
internal static class QuickMode
{
    private static int rounds = 3;
    private static int calls = 3;
    private static readonly List<string> Rows = [];

    public static int Run(string[] args)
    {
        rounds = Option(args, "--rounds", rounds);
        calls = Option(args, "--calls", calls);
        // --only copy|random|creation|find|residency|mapcopy|sync: one group of rows.
        int at = Array.IndexOf(args, "--only");
        string? only = at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
        bool Selected(string group) => only is null || only == group;
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"MemMap quick benchmarks, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {CpuModel()}, Linux {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}, {RuntimeInformation.FrameworkDescription}, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at start");
        Console.WriteLine($"method: Stopwatch, 1 warm-up call each, then {rounds} rounds x {calls} calls, baseline and MemMap interleaved per round; ratio = median time / baseline median time (best/best beside it)");
        Console.WriteLine();

        foreach (string memory in Selected("copy") ? new[] { "file", "anonymous" } : [])
        {
            var copy = new CopyBenchmarks { Memory = memory };
            copy.Setup();
            double gib = CopyBenchmarks.Size / 1e9;
            string what = memory == "file" ? "shared file mapping" : "shared anonymous memory";
            Compare($"bulk read 256 MiB, {what}", "MemoryMapping.Read", copy.ReadMemMap, "Span.CopyTo from the mapping", copy.ReadMemcpy, Throughput(gib), memory == "file" ? 1 / 0.85 : null);
            Compare($"bulk write 256 MiB, {what}", "MemoryMapping.Write", copy.WriteMemMap, "Span.CopyTo into the mapping", copy.WriteMemcpy, Throughput(gib), memory == "file" ? 1 / 0.85 : null);
            if (memory == "file")
            {
                Compare("  (path) bulk read 256 MiB, file: guarded copy vs pread", "guarded memcpy (Guarded path)", copy.ReadMemMap, "pread (File path)",
                    () => Via(copy.Mapping, AccessPath.File, copy.ReadMemMap), Throughput(gib), null);
                Compare("  (path) bulk write 256 MiB, file: guarded copy vs process_vm_writev", "guarded memcpy (Guarded path)", copy.WriteMemMap, "process_vm_writev (Kernel path)",
                    () => Via(copy.Mapping, AccessPath.Kernel, copy.WriteMemMap), Throughput(gib), null);
            }
            copy.Cleanup();
        }

        foreach (string memory in Selected("random") ? new[] { "file", "anonymous" } : [])
        {
            var random = new RandomReadBenchmarks { Memory = memory };
            random.Setup();
            Compare($"200 000 random 8-byte reads, {(memory == "file" ? "file mapping" : "anonymous memory")}", "MemoryMapping.ReadValue<long>", () => random.MemMapReadValue(),
                "MemoryMappedViewAccessor.ReadInt64 (file)", () => random.AccessorReadInt64(), PerOperation(RandomReadBenchmarks.Reads), memory == "file" ? 3 : 1.5);
            Compare($"  (path) 8-byte reads, {memory}: {(memory == "file" ? "guarded copy vs pread" : "direct vs process_vm_readv")}", memory == "file" ? "guarded memcpy (Guarded path)" : "memcpy (Direct path)", () => random.MemMapReadValue(),
                memory == "file" ? "pread (File path)" : "process_vm_readv (Kernel path)", () => Via(random.Mapping, memory == "file" ? AccessPath.File : AccessPath.Kernel, () => random.MemMapReadValue()), PerOperation(RandomReadBenchmarks.Reads), null);
            Compare($"  (overhead) 8-byte reads, {memory}: MemMap vs unchecked pointer reads of the same memory", "MemoryMapping.ReadValue<long>", () => random.MemMapReadValue(),
                "*(long*)(address + offset)", () => random.PointerRead(), PerOperation(RandomReadBenchmarks.Reads), null);
            // Issue 19: small accesses.
            Compare($"200 000 random 8-byte writes, {(memory == "file" ? "file mapping" : "anonymous memory")}", "MemoryMapping.WriteValue<long>", random.MemMapWriteValue,
                "MemoryMappedViewAccessor.Write(long) (file)", random.AccessorWriteInt64, PerOperation(RandomReadBenchmarks.Reads), null);
            Compare($"ReadValue<long> on a hot line, {memory}", "MemoryMapping.ReadValue<long>", () => random.MemMapReadHotLine(),
                "unchecked pointer read", () => random.PointerReadHotLine(), PerOperation(RandomReadBenchmarks.Reads), 2);
            if (memory == "file")
            {
                // Issue 15: the cost of refusing bytes past the file's current end (MemoryMapping.Access.cs).
                Compare("  (end check) 8-byte reads, file: guarded copy after the sentinel probe vs the guarded copy alone (no gate, no checks)", "probe + guarded memcpy", () => random.GuardedCopyWithSentinel(),
                    "guarded memcpy alone", () => random.GuardedCopyOnly(), PerOperation(RandomReadBenchmarks.Reads), null);
                Compare("  (end check) 8-byte reads, file: in the last page (fstat) vs elsewhere (sentinel probe)", "ReadValue<long>, last page", () => random.ReadLastPage(),
                    "ReadValue<long>, elsewhere", () => random.ReadSome(), PerOperation(RandomReadBenchmarks.LastPageReads), null);
                Compare("  (end check) 8-byte writes, file: in the last page (fstat) vs elsewhere (sentinel probe)", "WriteValue<long>, last page", random.WriteLastPage,
                    "WriteValue<long>, elsewhere", random.WriteSome, PerOperation(RandomReadBenchmarks.LastPageReads), null);
                Compare("  (transition) 8-byte reads, file: guarded copy without vs with the GC transition (not used: see benchmarks.md)", "SuppressGCTransition", () => random.GuardedCopyWithoutTransition(),
                    "normal unmanaged call", () => random.GuardedCopyOnly(), PerOperation(RandomReadBenchmarks.Reads), null);
            }
            random.Cleanup();
        }

        if (Selected("creation"))
        {
            var creation = new CreationBenchmarks();
            creation.Setup();
            Compare("map + unmap a 4 KiB file", "MapFile + Dispose", Repeat(1000, creation.MemMapMapFile),
                "MemoryMappedFile + view", Repeat(1000, creation.DotnetMemoryMappedFile), PerOperation(1000), 0.2);
            creation.Cleanup();
        }

        if (Selected("find"))
        {
            var find = new FindBenchmarks();
            find.Setup();
            Compare("Find over 1 GiB, shared file mapping (/dev/shm)", "MemoryMapping.Find", () => find.Find(), "Span<byte>.IndexOf, managed byte[]", () => find.IndexOf(), Throughput((1 << 30) / 1e9), 1 / 0.8);
            Compare("Find over 1 GiB, anonymous memory", "MemoryMapping.Find", () => find.FindAnonymous(), "Span<byte>.IndexOf, managed byte[]", () => find.IndexOf(), Throughput((1 << 30) / 1e9), 1 / 0.8);
            Compare("Fill 256 MiB, shared file mapping (/dev/shm)", "MemoryMapping.Fill", find.Fill, "Span.Fill on the mapping", find.SpanFill, Throughput((256 << 20) / 1e9), null);
            find.Cleanup();
        }

        if (Selected("mapcopy"))
        {
            var mapCopy = new MappingCopyBenchmarks();
            mapCopy.Setup();
            double gib = MappingCopyBenchmarks.Size / 1e9;
            double half = MappingCopyBenchmarks.Half / 1e9;
            Compare("copy a 1 GiB file into another through two shared mappings", "MemoryMapping.CopyTo (guarded memmove)", mapCopy.CopyMemMap,
                "Buffer.MemoryCopy between the same mappings", mapCopy.CopyMemcpy, Throughput(gib), 1.1);
            Compare("  (report) copy a 1 GiB file: two mappings vs File.Copy", "MemoryMapping.CopyTo (guarded memmove)", mapCopy.CopyMemMap,
                "File.Copy (copy_file_range)", mapCopy.FileCopy, Throughput(gib), null);
            Compare("move 512 MiB within a shared file mapping", "MemoryMapping.CopyTo (guarded memmove)", mapCopy.MoveMemMap,
                "Buffer.MemoryCopy within the mapping", mapCopy.MoveMemcpy, Throughput(half), null);
            Compare("move 512 MiB up by 4097 bytes within a file mapping (overlapping)", "MemoryMapping.CopyTo (guarded memmove)", mapCopy.ShiftMemMap,
                "Buffer.MemoryCopy within the mapping", mapCopy.ShiftMemcpy, Throughput(half), null);
            Compare("move 512 MiB within anonymous memory", "MemoryMapping.CopyTo (direct)", mapCopy.MoveAnonymousMemMap,
                "Buffer.MemoryCopy within the mapping", mapCopy.MoveAnonymousMemcpy, Throughput(half), null);
            mapCopy.Cleanup();
        }

        if (Selected("residency"))
        {
            Residency.Run();
        }

        if (Selected("sync"))
        {
            SyncBenchmarks.Run();
        }

        Console.WriteLine();
        Console.WriteLine("| operation | MemMap (median) | baseline (median) | ratio (time) | best/best | bar (time) | verdict |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        Rows.ForEach(Console.WriteLine);
        Console.WriteLine();
        Console.WriteLine($"finished in {clock.Elapsed.TotalSeconds:F0} s; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end. Rows marked (path) compare MemMap's own access paths (no bar).");
        return 0;
    }

    /// <summary>How one call's time is shown: its throughput, or the time per operation inside it.</summary>
    internal delegate string Unit(double seconds);

    internal static Unit Throughput(double gigabytes) => seconds => string.Create(CultureInfo.InvariantCulture, $"{gigabytes / seconds:F2} GB/s");

    internal static Unit PerOperation(int operations) => seconds => (seconds / operations) switch
    {
        < 1e-6 and var s => string.Create(CultureInfo.InvariantCulture, $"{s * 1e9:F0} ns/op"),
        < 1e-3 and var s => string.Create(CultureInfo.InvariantCulture, $"{s * 1e6:F1} µs/op"),
        var s => string.Create(CultureInfo.InvariantCulture, $"{s * 1e3:F1} ms/op"),
    };

    /// <summary>Times both sides, prints the row as it is done, and keeps it for the final table.</summary>
    internal static void Compare(string operation, string memMapName, Action memMap, string baselineName, Action baseline, Unit unit, double? bar)
    {
        baseline();
        memMap();
        var ours = new List<double>();
        var theirs = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            theirs.AddRange(Time(baseline));
            ours.AddRange(Time(memMap));
        }
        double ratio = Median(ours) / Median(theirs);
        double best = ours.Min() / theirs.Min();
        string verdict = bar is not { } limit ? "—" : ratio <= limit ? "met" : string.Create(CultureInfo.InvariantCulture, $"missed ({ratio / limit:F2}x over)");
        string row = string.Create(CultureInfo.InvariantCulture,
            $"| {operation} | {memMapName}: {unit(Median(ours))} | {baselineName}: {unit(Median(theirs))} | **{Ratio(ratio)}** | {Ratio(best)} | {(bar is { } b ? $"≤ {b:F2}" : "—")} | {verdict} |");
        Console.WriteLine(row);
        Rows.Add(row);
    }

    /// <summary>Two decimals, or two significant digits for a ratio too small for two decimals.</summary>
    private static string Ratio(double ratio) => ratio.ToString(ratio < 0.01 ? "G2" : "F2", CultureInfo.InvariantCulture);

    /// <summary>A row measured some other way than <see cref="Compare"/> (such as latency percentiles).</summary>
    internal static void AddRow(string row)
    {
        Console.WriteLine(row);
        Rows.Add(row);
    }

    internal static void Placeholder(string operation, string reason, string baselineName, double bar)
    {
        string row = string.Create(CultureInfo.InvariantCulture, $"| {operation} | not measured: {reason} | {baselineName} | — | — | ≤ {bar:F2} | not measured |");
        Console.WriteLine(row);
        Rows.Add(row);
    }

    private static double[] Time(Action action)
    {
        var result = new double[calls];
        for (int call = 0; call < calls; call++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            result[call] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return result;
    }

    private static double Median(List<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    internal static Action Repeat(int times, Action action) => () =>
    {
        for (int i = 0; i < times; i++)
        {
            action();
        }
    };

    /// <summary>Runs <paramref name="action"/> with the mapping's reads and writes forced through <paramref name="path"/> (where it allows that path), then restores the chosen paths.</summary>
    private static void Via(MemoryMapping mapping, AccessPath path, Action action)
    {
        (AccessPath read, AccessPath write) = (mapping.ReadPath, mapping.WritePath);
        mapping.ReadPath = path;
        mapping.WritePath = path == AccessPath.File ? write : path;
        try
        {
            action();
        }
        finally
        {
            (mapping.ReadPath, mapping.WritePath) = (read, write);
        }
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string CpuModel() =>
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(line => line.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
}
